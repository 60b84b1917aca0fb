//! `offramp inspect DIR …`: one function per subcommand, each reading the explorer of a
//! generated directory (public data and intel only, never the truth).

use offramp_core::forensics::Explorer;
use offramp_core::forensics::load::IndexUse;
use offramp_core::forensics::store::INDEX;

use super::*;

/// Loads DIR's explorer and runs the subcommand.
pub(super) fn inspect(out: &mut dyn Write, dir: &Path, what: Inspect, json: bool) -> Outcome {
    let started = std::time::Instant::now();
    let opened = forensics::load::open_dir(dir)?;
    match &opened.index {
        IndexUse::Read => {}
        IndexUse::Written { why } => eprintln!(
            "offramp: read the blocks of {} in {:.1} s ({why}); wrote {INDEX} so that the next command answers at once",
            dir.display(),
            started.elapsed().as_secs_f64()
        ),
        IndexUse::NotWritten { why, error } => eprintln!(
            "offramp: read the blocks of {} in {:.1} s ({why}); could not write {INDEX} ({error}), so every command reads them again",
            dir.display(),
            started.elapsed().as_secs_f64()
        ),
    }
    let ex = opened.explorer;
    match what {
        Inspect::Address { address } => cmd_address(out, &ex, address, json),
        Inspect::Tx { txid } => cmd_tx(out, &ex, txid, json),
        Inspect::Follow { from, min_confidence, max_hops } => {
            cmd_follow(out, &ex, from, min_confidence, max_hops, json)
        }
        Inspect::Price { date } => cmd_price(out, &ex, date, json),
        Inspect::Block { height } => cmd_block(out, &ex, height, json),
        Inspect::Label { text } => cmd_label(out, &ex, text, json),
        Inspect::Cluster { address, merge_change } => cmd_cluster(out, &ex, address, merge_change, json),
        Inspect::Trace { address, method, direction, depth, stop, top } => {
            cmd_trace(out, &ex, address, method, direction, depth, stop, top, json)
        }
        Inspect::Path { from, to, to_category, depth, breadth } => {
            cmd_path(out, &ex, from, to, to_category, depth, breadth, json)
        }
    }
}

/// `inspect DIR address …`.
fn cmd_address(out: &mut dyn Write, ex: &Explorer, address: String, json: bool) -> Outcome {
    let a = ex.address(&address)?;
    let v = ex.address_view(a);
    let sweeps = ex.swept_to(a);
    if json {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            address: &'a forensics::index::AddressView,
            swept_to: &'a [forensics::Sweep],
        }
        return print_json(out, &Out { address: &v, swept_to: &sweeps });
    }
    writeln!(out, "{} ({})", v.address, v.script_type)?;
    for l in &v.labels {
        writeln!(out, "  label      {} [{}]", l.label, l.category.name())?;
    }
    for s in sweeps.iter().take(20) {
        let what = format!("{} of it by {} on {}", btc(s.spent), s.txid, when(s.time));
        match s.into_service() {
            Some((to, l)) => writeln!(out, "  swept to:  {} [{}] {}, {what}", l.label, l.category.name(), to.address)?,
            None => {
                let to: Vec<String> =
                    s.to.iter().map(|p| format!("{} {}{}", btc(p.value), p.address, labels(&p.labels))).collect();
                writeln!(out, "  spent:     {what} -> {}", to.join(", "))?
            }
        }
    }
    if sweeps.len() > 20 {
        writeln!(out, "  ... {} more spends (use --json for all)", sweeps.len() - 20)?;
    }
    writeln!(out, "  balance    {}  (received {}, sent {})", btc(v.balance), btc(v.received), btc(v.sent))?;
    writeln!(out, "  seen       {} .. {}  in {} transactions", seen(v.first_seen), seen(v.last_seen), v.tx_count)?;
    for h in v.history.iter().take(200) {
        writeln!(
            out,
            "  {} {:>8} {:>22} -> {}  {}",
            when(h.time),
            h.height,
            btc_delta(h.delta),
            btc(h.balance),
            h.txid
        )?;
    }
    if v.history.len() > 200 {
        writeln!(out, "  ... {} more (use --json for all)", v.history.len() - 200)?;
    }
    Ok(())
}

/// `inspect DIR tx …`.
fn cmd_tx(out: &mut dyn Write, ex: &Explorer, txid: String, json: bool) -> Outcome {
    let t = ex.txid(&txid)?;
    let v = ex.tx_view(t);
    let verdict = change::detect(ex, t);
    let cj = coinjoin::coinjoin(ex, t).or_else(|| coinjoin::mixer_payout(ex, t));
    if json {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            tx: &'a forensics::index::TxView,
            change: &'a change::Verdict,
            coinjoin: Option<&'a coinjoin::Evidence>,
        }
        return print_json(out, &Out { tx: &v, change: &verdict, coinjoin: cj.as_ref() });
    }
    writeln!(out, "{}{}", v.txid, if v.coinbase { "  (coinbase)" } else { "" })?;
    writeln!(out, "  block {} at {}, version {}, locktime {}", v.height, when(v.time), v.version, v.locktime)?;
    writeln!(
        out,
        "  {} vB ({} bytes, {} WU), fee {} sat ({} sat/vB), outputs worth {} at {} a bitcoin",
        v.vsize,
        v.size,
        v.weight,
        v.fee,
        v.fee_rate,
        usd_cents(v.usd),
        usd_cents(ex.price_at(i64::from(v.time)))
    )?;
    writeln!(out, "  inputs")?;
    for i in &v.inputs {
        writeln!(
            out,
            "    {:>18} {:>15}  {}{}  <- {}:{}",
            btc(i.value),
            usd_cents(i.usd),
            i.address.as_deref().unwrap_or("(coinbase)"),
            labels(&i.labels),
            i.prev_txid.as_deref().unwrap_or("-"),
            i.prev_vout
        )?;
    }
    writeln!(out, "  outputs")?;
    for (k, o) in v.outputs.iter().enumerate() {
        let mark = if verdict.change == Some(k as u32) { "  <- change?" } else { "" };
        let spent = o.spent_by.as_ref().map_or("unspent".to_string(), |(t, i)| format!("spent by {t}:{i}"));
        writeln!(
            out,
            "    {k}: {:>18} {:>15}  {} ({}){}  {spent}{mark}",
            btc(o.value),
            usd_cents(o.usd),
            o.address.as_deref().unwrap_or("(data)"),
            o.script_type,
            labels(&o.labels)
        )?;
    }
    if let Some(c) = &cj {
        writeln!(out, "  {}: {}", c.kind, c.summary)?;
    }
    match verdict.change {
        Some(k) => writeln!(out, "  change: output {k}, confidence {:.2}", verdict.confidence)?,
        None if !verdict.votes.is_empty() => writeln!(out, "  change: undecided (the heuristics disagree)")?,
        None => writeln!(out, "  change: no heuristic applies")?,
    }
    for vote in &verdict.votes {
        writeln!(out, "    [{}] {}", vote.heuristic.name(), vote.reason)?;
    }
    Ok(())
}

/// `inspect DIR follow …`.
fn cmd_follow(
    out: &mut dyn Write,
    ex: &Explorer,
    from: String,
    min_confidence: f64,
    max_hops: usize,
    json: bool,
) -> Outcome {
    // 64 hexadecimal digits are a txid; anything else is read as an address.
    let text = from.trim();
    let start = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        follow::Start::Tx(ex.txid(text)?)
    } else {
        follow::Start::Address(ex.address(text)?)
    };
    let r = follow::follow_change(ex, start, follow::FollowOptions { min_confidence, max_hops })?;
    if json {
        return print_json(out, &r);
    }
    writeln!(
        out,
        "following the change from {} (confidence {:.2} or more): {} hops, {} peeled off",
        r.start,
        r.min_confidence,
        r.hops.len(),
        btc(r.peeled)
    )?;
    for (n, h) in r.hops.iter().enumerate() {
        let why = if h.votes.is_empty() {
            "the only output".to_string()
        } else {
            let names: Vec<&str> = h.votes.iter().map(|v| v.heuristic.name()).collect();
            format!("confidence {:.2}: {}", h.confidence, names.join(", "))
        };
        writeln!(
            out,
            "  {:>4}. {} {}  change {} -> {} {}  ({why})",
            n + 1,
            when(h.time),
            h.txid,
            h.vout,
            h.change_address,
            btc(h.change_value)
        )?;
        for p in &h.peels {
            writeln!(out, "        peeled {} -> {}{}", btc(p.value), p.address, labels(&p.labels))?;
        }
    }
    writeln!(out, "stopped: {}", r.stop.describe())?;
    Ok(())
}

/// `inspect DIR price …`.
fn cmd_price(out: &mut dyn Write, ex: &Explorer, date: String, json: bool) -> Outcome {
    let t = offramp_core::time::parse_instant(date.trim())
        .map_err(|m| anyhow::anyhow!("{m}; give a date (2025-03-05) or a UTC date-time (2025-03-05T14:00:00Z)"))?;
    let price = ex.price_on(t)?;
    let at = when(t);
    if json {
        return print_json(out, &serde_json::json!({ "time": at, "usd": price }));
    }
    writeln!(out, "BTC/USD at {at}: {}", usd_cents(price))?;
    Ok(())
}

/// `inspect DIR block …`.
fn cmd_block(out: &mut dyn Write, ex: &Explorer, height: u32, json: bool) -> Outcome {
    let r = ex.block(height)?;
    let txids: Vec<String> = r.map(|t| ex.chain.txs[t].txid().to_string()).collect();
    if json {
        return print_json(out, &txids);
    }
    writeln!(out, "block {height}: {} transactions", txids.len())?;
    for t in txids {
        writeln!(out, "  {t}")?;
    }
    Ok(())
}

/// `inspect DIR label …`.
fn cmd_label(out: &mut dyn Write, ex: &Explorer, text: String, json: bool) -> Outcome {
    let found: Vec<(String, Vec<forensics::Label>)> =
        ex.by_label(&text).into_iter().map(|a| (ex.chain.address_string(a), ex.labels(a).to_vec())).collect();
    if json {
        return print_json(out, &found);
    }
    if found.is_empty() {
        anyhow::bail!("no address has a label containing \"{text}\"");
    }
    for (a, ls) in found {
        let names: Vec<String> = ls.iter().map(|l| format!("{} [{}]", l.label, l.category.name())).collect();
        writeln!(out, "{a}  {}", names.join("; "))?;
    }
    Ok(())
}

/// `inspect DIR cluster …`.
fn cmd_cluster(out: &mut dyn Write, ex: &Explorer, address: String, merge_change: Option<f64>, json: bool) -> Outcome {
    let a = ex.address(&address)?;
    let cl = cluster::Clusters::build(ex, cluster::ClusterOptions { merge_change });
    let v = cl.view(ex, a);
    if json {
        return print_json(out, &v);
    }
    writeln!(out, "cluster of {}: {} addresses, {} transactions", v.address, v.size, v.tx_count)?;
    writeln!(out, "  balance {}, seen {} .. {}", btc(v.balance), seen(v.first_seen), seen(v.last_seen))?;
    for l in &v.labels {
        writeln!(out, "  label {} [{}] on {}", l.label, l.category.name(), l.address)?;
    }
    for m in v.members.iter().take(50) {
        writeln!(out, "  {m}")?;
    }
    if v.size > 50 {
        writeln!(out, "  ... {} more (use --json for up to {})", v.size - 50, cluster::MAX_LISTED)?;
    }
    Ok(())
}

/// `inspect DIR trace …`.
#[allow(clippy::too_many_arguments)]
fn cmd_trace(
    out: &mut dyn Write,
    ex: &Explorer,
    address: String,
    method: MethodArg,
    direction: DirectionArg,
    depth: Option<u32>,
    stop: Vec<Category>,
    top: usize,
    json: bool,
) -> Outcome {
    let a = ex.address(&address)?;
    let opts = taint::TraceOptions {
        method: match method {
            MethodArg::Poison => taint::Method::Poison,
            MethodArg::Haircut => taint::Method::Haircut,
            MethodArg::Fifo => taint::Method::Fifo,
        },
        direction: match direction {
            DirectionArg::Forward => taint::Direction::Forward,
            DirectionArg::Backward => taint::Direction::Backward,
        },
        depth: depth.unwrap_or(taint::NO_DEPTH_LIMIT),
        stop_at: stop,
    };
    let r = taint::trace(ex, a, &opts)?;
    if json {
        return print_json(out, &r);
    }
    writeln!(
        out,
        "{:?} {:?} trace from {} ({}), {}: {} addresses reached{}",
        r.method,
        r.direction,
        r.origin,
        btc(r.start_amount),
        r.depth.map_or("no depth limit".to_string(), |d| format!("depth {d}")),
        r.reached.len(),
        if r.truncated { " (stopped at the work limit)" } else { "" }
    )?;
    for x in r.reached.iter().take(top) {
        let tag = match (x.category, x.stopped) {
            (Some(c), true) => format!("  [{}, stop]", c.name()),
            (Some(c), false) => format!("  [{}]", c.name()),
            _ => String::new(),
        };
        writeln!(out, "  {:>18}  {} hops  {}{tag}", btc(x.amount), x.hops, x.address)?;
    }
    Ok(())
}

/// `inspect DIR path …`.
#[allow(clippy::too_many_arguments)]
fn cmd_path(
    out: &mut dyn Write,
    ex: &Explorer,
    from: String,
    to: Option<String>,
    to_category: Option<Category>,
    depth: Option<u32>,
    breadth: usize,
    json: bool,
) -> Outcome {
    let a = ex.address(&from)?;
    let target = match (to, to_category) {
        (Some(t), None) => path::Target::Address(ex.address(&t)?),
        (None, Some(c)) => path::Target::Category(c),
        _ => anyhow::bail!("give either a destination address or --to-category, not both"),
    };
    let opts = path::PathOptions { depth: depth.unwrap_or(path::NO_DEPTH_LIMIT), breadth };
    let r = path::find(ex, a, target, opts)?;
    if json {
        return print_json(out, &r);
    }
    if !r.found {
        writeln!(
            out,
            "no path {}with breadth {breadth} ({} outputs visited{})",
            depth.map_or(String::new(), |d| format!("within depth {d} ")),
            r.visited,
            if r.truncated { ", stopped at the work limit" } else { "" }
        )?;
        return Ok(());
    }
    writeln!(out, "path of {} hops{}:", r.hops.len(), r.label.as_ref().map_or(String::new(), |l| format!(" to {l}")))?;
    for h in &r.hops {
        let whole =
            if h.output_value > h.value { format!(" of an output of {}", btc(h.output_value)) } else { String::new() };
        writeln!(out, "  {} --{}--> {} ({}{whole})", h.from, h.txid, h.to, btc(h.value))?;
    }
    Ok(())
}
