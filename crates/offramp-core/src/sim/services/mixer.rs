//! Mixers: deposits swept into the pool, and each customer's coins paid back out of the
//! pool in parts, after the mixer's delay and less its fee.

use super::*;
use crate::scenario::{AddrRole, StepIdx};
use crate::sim::engine::{Inputs, Pay, Rest, Spec, WalletId};
use crate::truth::{Operation, Purpose};

impl Sim<'_> {
    pub fn mixer_sweep(&mut self, m: EntityIdx) {
        let Rt::Mixer(r) = &self.rt[m.index()] else {
            return;
        };
        let (deposits, pool) = (r.deposits, r.pool);
        let addr = self.e.fresh_addr(pool, AddrRole::Pool);
        self.sweep(deposits, pool, addr, Purpose::Service(Operation::DepositSweep));
        if let EntityKind::Mixer(k) = &self.e.sc.entities[m].kind {
            let next = self.e.now + k.sweep_every + self.e.between(-300, 300);
            self.e.schedule(next, Ev::MixerSweep(m));
        }
    }

    /// Takes a customer's coins into a mixer and promises payouts after the mixer's delay.
    pub fn mixer_accept(&mut self, mixer: EntityIdx, step: Option<StepIdx>, dest: WalletId, deposited: u64) {
        let EntityKind::Mixer(m) = &self.e.sc.entities[mixer].kind else {
            return;
        };
        let (fee, delay, outs) = (m.fee, m.delay, m.outputs);
        let total = self.e.sats(deposited as f64 * (1.0 - fee), "what a mixer pays out");
        let n = self.e.between(i64::from(outs.0), i64::from(outs.1)) as usize;
        let parts = self.e.split(total, n, 50_000);
        let job = self.mix_jobs.len() as u32;
        for (k, _) in parts.iter().enumerate() {
            let at = self.e.now + self.e.between(delay.0, delay.1);
            self.e.schedule(at, Ev::MixerPayout { job, part: k as u32 });
        }
        if let Some(step) = step {
            self.steps[step].pending += parts.len() as u32;
        }
        self.mix_jobs.push(MixJob { mixer, step, dest, parts });
    }

    pub fn mixer_payout(&mut self, job: u32, part: u32) -> Result<(), GenerateError> {
        let j = self.mix_jobs[job as usize].clone();
        let Rt::Mixer(r) = &self.rt[j.mixer.index()] else {
            return Ok(());
        };
        let pool = r.pool;
        let story = j.step.is_some();
        let addr = if story {
            self.e.fresh_addr(j.dest, AddrRole::Mixed)
        } else {
            self.e.receive_addr(j.dest, AddrRole::Receive)
        };
        let change = self.e.fresh_addr(pool, AddrRole::Pool);
        let purpose = j.step.map_or(Purpose::Service(Operation::MixerPayout), Purpose::Story);
        let spec = Spec {
            from: pool,
            inputs: Inputs::Select,
            pays: vec![Pay { wallet: j.dest, addr, value: j.parts[part as usize], flow: story }],
            rest: Rest::To { wallet: pool, addr: change, flow: false },
            purpose,
        };
        if self.e.transact(spec).is_err() {
            if !story {
                return Ok(());
            }
            let ent = &self.e.sc.entities[j.mixer];
            return Err(self
                .e
                .fail(ent.loc, format!("mixer \"{}\" ran out of coins in its pool; raise pool_btc", ent.id)));
        }
        if let Some(step) = j.step {
            self.steps[step].pending -= 1;
        }
        Ok(())
    }
}
