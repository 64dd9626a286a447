//! Learning-rate schedules: linear warm-up, then cosine decay, reduce-on-plateau, or constant;
//! or PyTorch's one-cycle schedule.
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
        if self.kind == Schedule::OneCycle {
            return self.one_cycle(step);
        }
        if step <= self.warmup_steps && self.warmup_steps > 0 {
            return self.peak * step as f64 / self.warmup_steps as f64;
        }
        match self.kind {
            Schedule::Constant => self.peak,
            Schedule::Plateau => self.peak * self.scale,
            Schedule::OneCycle => unreachable!("handled above"),
            Schedule::Cosine => {
                let span = self.total_steps.saturating_sub(self.warmup_steps).max(1) as f64;
                let t = (step.saturating_sub(self.warmup_steps) as f64 / span).min(1.0);
                self.peak * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
            }
        }
    }

    /// `torch.optim.lr_scheduler.OneCycleLR(max_lr = peak, total_steps, pct_start = 0.3,
    /// anneal_strategy = "cos", div_factor = 25, final_div_factor = 1e4, three_phase = False)`:
    /// the rate of its `step - 1`-th call (the scheduler steps after every batch).
    fn one_cycle(&self, step: u64) -> f64 {
        const PCT_START: f64 = 0.3;
        let initial = self.peak / 25.0;
        let min = initial / 1e4;
        let cos =
            |start: f64, end: f64, pct: f64| end + (start - end) / 2.0 * ((std::f64::consts::PI * pct).cos() + 1.0);
        let i = step.saturating_sub(1) as f64;
        let total = self.total_steps.max(2) as f64;
        let up_end = PCT_START * total - 1.0;
        if i <= up_end && up_end > 0.0 {
            cos(initial, self.peak, i / up_end)
        } else {
            let span = (total - 1.0 - up_end).max(1e-12);
            cos(self.peak, min, ((i - up_end.max(0.0)) / span).min(1.0))
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
    fn one_cycle_matches_torch_one_cycle_lr() {
        // torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=100, pct_start=0.3,
        // cycle_momentum=False): lr after 0, 1, 15, 29, 30, 64, 99 scheduler steps.
        let s = LrSchedule { total_steps: 100, ..schedule(Schedule::OneCycle) };
        let torch = [
            (0, 0.04),
            (1, 0.042_813_780_565_907_456),
            (15, 0.545_986_676_121_000_4),
            (29, 1.0),
            (30, 0.999_496_535_284_524_3),
            (64, 0.500_002),
            (99, 4.0e-6),
        ];
        for (calls, lr) in torch {
            assert_relative_eq!(s.lr(calls + 1), lr, max_relative = 1e-9);
        }
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
