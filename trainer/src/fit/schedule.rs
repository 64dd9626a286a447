//! Learning-rate schedules: linear warm-up, then cosine decay, reduce-on-plateau, or constant.
//! Everything is a function of the step and of the state saved in the checkpoint, so a resumed
//! run continues on the same curve.

use serde::{Deserialize, Serialize};

use crate::options::Schedule;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LrSchedule {
    pub kind: Schedule,
    pub peak: f64,
    pub warmup_steps: u64,
    pub total_steps: u64,
    /// Plateau only: the current multiplier of `peak`, and epochs since the metric improved.
    pub scale: f64,
    pub stalled_epochs: usize,
    pub factor: f64,
    pub patience: usize,
}

impl LrSchedule {
    /// The rate for 1-based step `step`.
    pub fn lr(&self, step: u64) -> f64 {
        if step <= self.warmup_steps && self.warmup_steps > 0 {
            return self.peak * step as f64 / self.warmup_steps as f64;
        }
        match self.kind {
            Schedule::Constant => self.peak,
            Schedule::Plateau => self.peak * self.scale,
            Schedule::Cosine => {
                let span = self.total_steps.saturating_sub(self.warmup_steps).max(1) as f64;
                let t = (step.saturating_sub(self.warmup_steps) as f64 / span).min(1.0);
                self.peak * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
            }
        }
    }

    /// Plateau bookkeeping after an epoch: `improved` says whether the metric got better.
    pub fn end_epoch(&mut self, improved: bool) {
        if self.kind != Schedule::Plateau {
            return;
        }
        if improved {
            self.stalled_epochs = 0;
        } else {
            self.stalled_epochs += 1;
            if self.stalled_epochs >= self.patience {
                self.scale /= self.factor;
                self.stalled_epochs = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn schedule(kind: Schedule) -> LrSchedule {
        LrSchedule {
            kind,
            peak: 1.0,
            warmup_steps: 10,
            total_steps: 110,
            scale: 1.0,
            stalled_epochs: 0,
            factor: 2.0,
            patience: 2,
        }
    }

    #[test]
    fn warms_up_linearly_then_follows_the_cosine_to_zero() {
        let s = schedule(Schedule::Cosine);
        assert_relative_eq!(s.lr(1), 0.1);
        assert_relative_eq!(s.lr(10), 1.0);
        assert_relative_eq!(s.lr(60), 0.5, epsilon = 1e-12);
        assert_relative_eq!(s.lr(110), 0.0, epsilon = 1e-12);
    }

    #[test]
    fn plateau_halves_after_patience_stalled_epochs() {
        let mut s = schedule(Schedule::Plateau);
        s.end_epoch(false);
        assert_eq!(s.lr(50), 1.0);
        s.end_epoch(false);
        assert_eq!(s.lr(50), 0.5);
        s.end_epoch(true);
        s.end_epoch(false);
        assert_eq!(s.lr(50), 0.5);
    }
}
