fn main() {
    eprintln!("regula-train: the CLI is not written yet (see issue 4)");
    std::process::exit(2);
}
