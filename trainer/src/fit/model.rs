//! From a [`ModelPlan`] to the model the engine trains.

use super::plan::ModelPlan;
use super::run::FitError;
use crate::model::{Cnn, CnnAttention, ConvBlock, DualBranch, Model};
use crate::ops::activation::Activation;
use crate::options::{ActivationName, Preset};

/// Width of the dense layer after the dual-branch merge.
const DUAL_HIDDEN: usize = 64;

/// The model of `plan` for inputs of `lengths` (one per branch) predicting `outputs` values.
pub fn build_model(plan: &ModelPlan, lengths: &[usize], outputs: usize) -> Result<Box<dyn Model>, FitError> {
    let blocks: Vec<ConvBlock> = (0..plan.channels.len())
        .map(|i| ConvBlock {
            channels: plan.channels[i],
            kernel: plan.kernels[i],
            dilation: plan.dilations[i],
            pool: (plan.pools[i] > 1).then_some(plan.pools[i]),
        })
        .collect();
    let activation = match plan.activation {
        ActivationName::Relu => Activation::Relu,
        ActivationName::Gelu => Activation::Gelu,
        ActivationName::Softplus => Activation::Softplus,
    };
    let total = lengths.iter().sum();
    let cnn = Cnn { seq_len: total, blocks: blocks.clone(), activation, dropout: plan.dropout, outputs };
    Ok(match (plan.preset, lengths) {
        (Preset::Cnn, [_]) => Box::new(cnn),
        (Preset::CnnAttention, [_]) => Box::new(CnnAttention { cnn, heads: plan.attention_heads }),
        (Preset::DualBranch, [promoter_len, distal_len]) => Box::new(DualBranch {
            promoter_len: *promoter_len,
            distal_len: *distal_len,
            blocks,
            activation,
            dropout: plan.dropout,
            hidden: DUAL_HIDDEN,
            outputs,
        }),
        (Preset::DualBranch, _) => {
            return Err(FitError::Usage(
                "the dual-branch preset needs two sequences per row (--partner-column)".into(),
            ));
        }
        (preset, _) => {
            return Err(FitError::Usage(format!(
                "the {preset:?} preset reads one sequence per row; drop --partner-column or use --preset dual-branch"
            )));
        }
    })
}
