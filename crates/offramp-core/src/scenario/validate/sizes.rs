//! The size limits: an estimate of the world's transactions, inputs, outputs, addresses
//! and memory, refused before anything is allocated when it is over Offramp's limits.

use super::funds::Funding;
use super::*;

impl V<'_> {
    /// Refuses scenarios whose world would be too big, before anything is allocated for
    /// them: an estimate of its transactions, inputs, outputs and addresses, and of the
    /// memory they need ([`WorldSize`]). Every part of the scenario that makes transactions
    /// adds its share; a refusal points at the largest share of what is over the limit.
    pub(super) fn sizes(&mut self, s: &Scenario, funding: Funding) {
        let days = s.meta.duration as f64 / DAY as f64;
        let per = |every: i64| {
            if every > 0 { days * DAY as f64 / every as f64 } else { 0.0 }
        };
        // (where, who, transactions, inputs, outputs, addresses)
        let mut parts: Vec<(Vec<Seg<'static>>, String, [f64; 4])> = Vec::new();
        // Ordinary transactions: an input or two, a payment and change to fresh addresses.
        let plain = |txs: f64| [txs, 2.0 * txs, 2.0 * txs, 2.0 * txs];
        // The pre-history: the blocks that mint the world's coins, their maturing, and the
        // payments that fund everybody.
        let mut mined = 0.0;
        let mut blocks = 0u32;
        while mined < funding.need && blocks < PREHISTORY_MAX_BLOCKS {
            blocks += 1;
            mined += s.meta.network.subsidy(blocks) as f64;
        }
        let pre = f64::from(blocks) + 100.0;
        let fund_txs = funding.payments / 250.0 + pre / 1000.0 + 1.0;
        parts.push((
            vec![Seg::Field("entities")],
            "the pre-history that funds the entities".into(),
            [pre + fund_txs, pre + fund_txs, 2.0 * pre + funding.payments + fund_txs, funding.payments + fund_txs],
        ));
        // A block every ten minutes, with its coinbase, for the duration and what runs late.
        let blocks = s.meta.duration as f64 / 600.0 + 200.0;
        parts.push((
            vec![Seg::Field("meta"), Seg::Field("duration")],
            "the blocks".into(),
            [blocks, blocks, 2.0 * blocks, 0.0],
        ));
        for (i, e) in s.entities.iter().enumerate() {
            let size = match &e.kind {
                EntityKind::Market(m) => {
                    // Sweeps, and the other orders: a buyer funded, a payment with change
                    // into a fresh deposit address; and the daily payouts to other vendors.
                    let others = m.other_orders_per_day * days;
                    [
                        per(m.sweep_every) + others * 2.5 + days,
                        3.0 * others,
                        3.0 * others + 5.0 * days,
                        3.0 * others + 4.0 * days,
                    ]
                }
                EntityKind::Exchange(x) => plain(per(x.sweep_every) + per(x.withdrawal_batch_every) + per(DAY)),
                EntityKind::Mixer(m) => plain(per(m.sweep_every)),
                EntityKind::Otc(o) => plain(per(o.deposit_every)),
                EntityKind::Gambling(_) => plain(days),
                EntityKind::CoinJoin(c) => {
                    // A round is one transaction of every participant's coins, equal outputs
                    // and change; it needs enough users who can join.
                    let pool =
                        c.users.or(s.background.as_ref().map(|b| b.users)).map_or(0, |u| match &s.entities[u].kind {
                            EntityKind::Users(u) => u.count,
                            _ => 0,
                        });
                    let joining = f64::from(c.participants.1.min(pool));
                    if pool < c.participants.0 {
                        [0.0; 4]
                    } else {
                        let rounds = per(c.round_every);
                        [rounds, rounds * joining * 2.0, rounds * (joining * 2.0 + 1.0), rounds * joining * 2.0]
                    }
                }
                _ => [0.0; 4],
            };
            parts.push((vec![Seg::Field("entities"), Seg::Index(i)], format!("{} \"{}\"", e.kind.word(), e.id), size));
        }
        for (i, st) in s.story.iter().enumerate() {
            let txs = match &st.action {
                Action::Purchases { orders, .. } => *orders as f64 * 2.0,
                Action::VendorWithdrawals { count, .. } => *count as f64,
                Action::Hops { hops, .. } => *hops as f64,
                Action::PeelChain { peels, .. } => *peels as f64 + 1.0,
                Action::ScatterGather { width, hops, .. } => (*width * (*hops + 1) + 2) as f64,
                Action::Mix { .. } => 10.0,
                Action::CashOut { deposits, .. } => *deposits as f64,
                Action::OtcCashOut { payments, .. } => *payments as f64,
                _ => 2.0,
            };
            let outputs = match &st.action {
                Action::FanOut { outputs, .. } => f64::from(*outputs) + 1.0,
                Action::ScatterGather { width, .. } => 2.0 * txs + f64::from(*width),
                _ => 2.0 * txs,
            };
            parts.push((
                vec![Seg::Field("story"), Seg::Index(i)],
                format!("step \"{}\"", st.id),
                [txs, outputs, outputs, outputs],
            ));
        }
        if let Some(b) = &s.background {
            parts.push((
                vec![Seg::Field("background"), Seg::Field("tx_per_day")],
                "the background".into(),
                plain(b.tx_per_day * days),
            ));
        }
        let mut total = [0.0f64; 4];
        for (_, _, size) in &parts {
            for k in 0..4 {
                total[k] += size[k];
            }
        }
        // Every input spends an output of its own.
        total[1] = total[1].min(total[2]);
        let whole = |x: f64| if x.is_finite() && x >= 0.0 { x.ceil().min(u64::MAX as f64) as u64 } else { u64::MAX };
        let est = WorldSize {
            transactions: whole(total[0]),
            inputs: whole(total[1]),
            outputs: whole(total[2]),
            addresses: whole(total[3]),
        };
        let memory = est.memory();
        let over = est.above(&WorldSize::MAX).map(|(what, ..)| what);
        if over.is_none() && memory <= WorldSize::MAX_MEMORY {
            return;
        }
        // Point at the largest share of what is over (the memory follows the outputs).
        let k = match over {
            Some("transactions") => 0,
            Some("inputs") => 1,
            Some("addresses") => 3,
            _ => 2,
        };
        let (path, who, size) = parts
            .iter()
            .max_by(|a, b| a.2[k].total_cmp(&b.2[k]))
            .map(|(p, w, size)| (p.clone(), w.clone(), *size))
            .expect("the blocks are always a part");
        let max = WorldSize::MAX;
        self.err(
            &path,
            format!(
                "this scenario would make about {} transactions, {} inputs, {} outputs and {} addresses, about {:.1} GiB of memory ({who} alone: about {} {}); the most Offramp generates is {} transactions, {} inputs, {} outputs, {} addresses and {} GiB",
                est.transactions,
                est.inputs,
                est.outputs,
                est.addresses,
                memory as f64 / f64::from(1u32 << 30),
                whole(size[k]),
                ["transactions", "inputs", "outputs", "addresses"][k],
                max.transactions,
                max.inputs,
                max.outputs,
                max.addresses,
                WorldSize::MAX_MEMORY >> 30
            ),
        );
    }
}
