//! How the store's benches report a figure: the median of its samples beside the reference
//! measured in the same run (raw SQL over the same rows), the ratio, and the verdict against
//! the limit, or what larger figure it is a part of.

use std::time::Duration;

/// What a figure is judged against.
pub enum Against<'a> {
    /// The limit, in milliseconds.
    Limit(f64),
    /// A part of another figure, named ("a report"): no limit of its own.
    PartOf(&'a str),
    /// A figure the issue sets no limit for, printed to follow its ratio.
    NoLimit,
}

pub fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

pub fn ms(duration: Duration) -> String {
    format!("{:.3} ms", duration.as_secs_f64() * 1000.0)
}

/// Prints one line: the figure, the reference (raw SQL), their ratio and the verdict.
pub fn print(name: &str, ours: Duration, raw: Duration, against: Against<'_>) {
    print_beside(name, ours, "raw SQL", raw, against)
}

/// Prints one line beside a reference of another kind (`reference` names it: "raw csv read").
pub fn print_beside(
    name: &str,
    ours: Duration,
    reference: &str,
    raw: Duration,
    against: Against<'_>,
) {
    let ratio = ours.as_secs_f64() / raw.as_secs_f64().max(1e-9);
    let verdict = match against {
        Against::Limit(limit) if ours.as_secs_f64() * 1000.0 <= limit => {
            format!("(within the {limit} ms limit)")
        }
        Against::Limit(limit) => format!("(OVER the {limit} ms limit)"),
        Against::PartOf(whole) => format!("(a part of {whole})"),
        Against::NoLimit => "(no limit set)".to_owned(),
    };
    println!(
        "{name:<44} median {:>10}   {reference} {:>10}   ratio {ratio:>5.2}x   {verdict}",
        ms(ours),
        ms(raw)
    );
}
