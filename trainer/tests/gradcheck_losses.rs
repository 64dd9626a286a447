//! Loss gradients against finite differences, with and without per-sample and per-task weights.

mod common;

use common::{Dist, gradcheck, input, input_with};
use regula_train::loss::Loss;

#[test]
fn losses() {
    let (n, t) = (5, 3);
    for loss in [Loss::Mse, Loss::PoissonNll, Loss::BceWithLogits] {
        let target = match loss {
            Loss::Mse => Dist::Uniform,
            // Counts for Poisson, probabilities for BCE.
            _ => Dist::Positive,
        };
        let weights: [(&str, Option<&[usize]>); 4] = [
            ("none", None),
            ("per-sample", Some(&[n, 1])),
            ("per-task", Some(&[1, t])),
            ("per-element", Some(&[n, t])),
        ];
        for (wname, wshape) in weights {
            let mut inputs = vec![input(&[n, t]), input_with(&[n, t], target, false)];
            if let Some(s) = wshape {
                inputs.push(input_with(s, Dist::Positive, false));
            }
            let rep = gradcheck(&format!("{loss:?}-{wname}"), &inputs, |g, x| {
                let y = if loss == Loss::BceWithLogits {
                    // Targets in [0, 1].
                    let half = g.scalar(0.5);
                    g.mul(x[1], half)?
                } else {
                    x[1]
                };
                let l = loss.build(g, x[0], y, x.get(2).copied())?;
                // gradcheck projects onto a random tensor of the output's shape; give it [1].
                g.reshape(l, &[1])
            });
            assert!(rep.checked > 0);
        }
    }
}
