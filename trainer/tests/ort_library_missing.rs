//! Without the ONNX Runtime library the error says where it looked and how to get it. (Its own
//! test binary: it changes the process environment.)

#[test]
fn missing_ort_library_names_the_provisioning_script() {
    // SAFETY: this binary has a single test, so no other thread reads the environment.
    unsafe { std::env::set_var("ORT_DYLIB_PATH", "/nonexistent/libonnxruntime.so") };
    let err = regula_train::runtime::ort_library_path().unwrap_err();
    assert_eq!(
        err.to_string(),
        "ONNX Runtime shared library not found at /nonexistent/libonnxruntime.so: \
         run scripts/provision-ort.sh (it prints the path) or set ORT_DYLIB_PATH"
    );
    assert!(regula_train::runtime::environment().is_err());
}
