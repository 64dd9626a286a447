//! One test suite over every backend of the inference layer, as tract's harness runs one suite
//! over every runtime: each test is a function of a [`regula_infer::runtime::Backend`], and
//! [`backend_suite!`] makes a `#[test]` of each for the backend a crate brings. `wasm/tests/tract.rs`
//! runs it on tract, `trainer/tests/onnxruntime.rs` on ONNX Runtime; the fixtures are the models in
//! `infer/tests/fixtures` (see its README) and real sequences from `tests/data`.
//!
//! A test function missing from the list below is dead code, and the compiler says so.

pub mod attention;
pub mod common;
pub mod dual;
pub mod ism;
pub mod predictor;
pub mod shipped;

/// `#[test]`s of the whole suite for the backend `$backend` (an expression, evaluated per test).
macro_rules! backend_suite {
    ($backend:expr) => {
        $crate::suite::backend_suite!(@tests $backend;
            ism: [
                fast_equals_naive_single_output_real_and_random,
                fast_equals_naive_multi_output_real_and_random,
                receptive_fields_come_from_the_graph,
                reference_cnn_fast_matches_naive_at_edges_and_samples_random_and_hg19,
                chunks_report_progress_and_cancel,
                short_sequences_are_padded_and_long_ones_tiled,
                fast_mutagenesis_runs_the_whole_model_once_and_the_trunk_on_windows,
                self_check_catches_a_wrong_receptive_field,
                flanked_tiles_read_each_tile_as_a_construct,
                short_inputs_use_incremental_mutagenesis_which_reads_less_and_equals_naive,
                a_legnet_without_squeeze_excitation_scans_incrementally_through_its_joins,
                an_incremental_scan_runs_the_trunk_once_stage_by_stage,
                a_scan_shared_by_parts_and_merged_equals_the_whole_scan,
                a_strand_averaged_scan_is_the_difference_of_strand_averaged_predictions,
            ],
            dual: [
                loads_with_two_segments_and_one_trunk_per_segment,
                predictions_equal_the_native_trainer_and_strand_averaging_flips_each_segment_in_place,
                each_segment_has_its_own_length_policy,
                the_wrong_number_of_sequences_is_a_clear_error,
                mutagenesis_covers_both_segments_and_equals_native_forward_passes,
                fast_mutagenesis_scans_each_segment_through_its_own_trunk_and_equals_naive,
                a_graph_that_cannot_be_cut_per_segment_scans_naive_with_the_reason,
                variants_in_either_segment_equal_native_predictions,
                attributions_cover_both_segments,
                motifs_scan_each_segment_with_its_attribution,
                a_cropped_segment_has_bases_outside_the_model_s_view,
            ],
            predictor: [
                every_fixture_uses_only_allowed_ops,
                loading_errors_say_what_is_wrong,
                predicts_with_the_length_policy_reported,
                variant_effects_match_mutagenesis_and_report_every_problem,
                long_sequences_are_tiled_for_variants_with_the_aggregation_stated,
                a_variant_the_model_does_not_see_is_an_error_not_a_zero,
                gradient_times_input_matches_finite_differences,
                integrated_gradients_are_complete,
                motif_highlights_on_a_real_sequence_with_ism_importance,
                first_layer_filters_are_scaled_by_their_batch_norm,
                graphs_that_are_not_position_wise_fall_back_to_naive_with_the_reason,
                tiled_attributions_are_those_of_the_mean_over_windows,
                odd_variant_lines_are_errors_not_panics,
            ],
            shipped: [shipped_models_fast_mutagenesis_matches_forward_passes],
            attention: [
                attention_rows_sum_to_one_and_equal_onnx_runtime_on_the_whole_graph,
                attention_maps_of_tiled_sequences_are_per_window,
                a_model_without_attention_says_so,
            ],
        );
    };
    (@tests $backend:expr; $($module:ident: [$($test:ident),* $(,)?]),* $(,)?) => {
        $(
            mod $module {
                $(
                    #[test]
                    fn $test() {
                        $crate::suite::$module::$test(&$backend)
                    }
                )*
            }
        )*
    };
}
pub(crate) use backend_suite;
