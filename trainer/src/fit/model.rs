//! From a [`ModelPlan`] to the model the engine trains.

use super::plan::ModelPlan;
use crate::model::{Cnn, ConvBlock};
use crate::ops::activation::Activation;
use crate::options::{ActivationName, Preset};

use super::run::FitError;

/// The model of `plan` reading `input_len` bases and predicting `outputs` values. `epoch` is
/// kept for models whose training graph varies by epoch (dropout masks).
pub fn build_model(plan: &ModelPlan, input_len: usize, outputs: usize, _epoch: usize) -> Result<Cnn, FitError> {
    match plan.preset {
        Preset::Cnn => {}
        other => {
            return Err(FitError::Usage(format!("the {other:?} preset is not available in this build yet; use --preset cnn")));
        }
    }
    let blocks = (0..plan.channels.len())
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
    Ok(Cnn { seq_len: input_len, blocks, activation, dropout: plan.dropout, outputs })
}
