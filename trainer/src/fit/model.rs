//! From a [`ModelPlan`] to the model the engine trains.

use super::error::FitError;
use super::plan::ModelPlan;
use crate::model::{Cnn, CnnAttention, ConvBlock, DilatedResNet, DualBranch, LegNet, Model};
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
        ActivationName::Silu => Activation::Silu,
    };
    let total = lengths.iter().sum();
    let cnn = Cnn { seq_len: total, blocks: blocks.clone(), activation, dropout: plan.dropout, outputs };
    Ok(match (plan.preset, lengths) {
        (Preset::Cnn, [_]) => Box::new(cnn),
        (Preset::CnnAttention, [_]) => Box::new(CnnAttention { cnn, heads: plan.attention_heads }),
        (Preset::Legnet, [_]) => Box::new(LegNet {
            seq_len: total,
            stem_channels: plan.stem_channels,
            stem_kernel: plan.stem_kernel,
            stages: plan.channels.clone(),
            kernels: plan.kernels.clone(),
            pools: plan.pools.clone(),
            expand: plan.expand,
            se_reduction: plan.se_reduction,
            outputs,
        }),
        (Preset::DilatedResnet, [_]) => Box::new(DilatedResNet {
            seq_len: total,
            stem_channels: plan.stem_channels,
            stem_kernel: plan.stem_kernel,
            channels: plan.channels.clone(),
            kernels: plan.kernels.clone(),
            dilations: plan.dilations.clone(),
            pools: plan.pools.clone(),
            activation,
            dropout: plan.dropout,
            outputs,
        }),
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
