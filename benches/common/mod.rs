//! Deterministic inputs shared by the benches: a tiny generator and the sentences and title
//! parts they build documents from. Each bench includes this module (`mod common;`) and uses
//! the part it needs.

#![allow(dead_code, reason = "each bench uses only some of these")]

/// A tiny deterministic generator (xorshift), so the inputs are the same on every run.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Postmortem sentences; `{hm}` becomes a clock time and `{n}` a number ([`sentence`]).
pub(crate) const SENTENCES: &[&str] = &[
    "At {hm} UTC, the primary Postgres cluster began returning 5xx errors for roughly {n}% of requests.",
    "The checkout API was degraded for {n} minutes while the on-call engineer investigated.",
    "The root cause was a misconfigured deploy in the Redis cache tier.",
    "The SRE team rolled back the change at {hm} UTC and error rates returned to normal shortly after.",
    "Customers in eu-west-1 saw elevated latency when calling the payments API.",
    "Our alerting fired {n} minutes after the first timeouts appeared, which was too slow.",
    "Retries from clients amplified the load on the load balancer fleet by a factor of {n}.",
    "No data was lost, but {n}% of writes to the billing service had to be replayed from the queue.",
    "We are sorry for the disruption this caused to teams that depend on the search service.",
];

/// One of [`SENTENCES`] with its placeholders filled.
pub(crate) fn sentence(rng: &mut Rng) -> String {
    let hm = format!("{:02}:{:02}", rng.below(24), rng.below(60));
    let n = (rng.below(90) + 2).to_string();
    rng.pick(SENTENCES).replace("{hm}", &hm).replace("{n}", &n)
}

/// Parts of list entries: what broke, why, and what followed.
pub(crate) const WHAT: &[&str] = &[
    "Database Outage",
    "Elevated API Error Rates",
    "Datacenter Power Failure",
    "DNS Resolution Failures",
    "Degraded Git Operations",
    "Certificate Expiry",
    "Control Plane Outage",
    "Queue Backlog",
];
pub(crate) const WHY: &[&str] = &[
    "A configuration change overloaded the primary database",
    "An expired certificate broke TLS between internal services",
    "A power failure took a datacenter offline",
    "A bad deploy exhausted the connection pool",
    "Client retries amplified a small network partition",
];
pub(crate) const AFTER: &[&str] = &[
    "and failover was slow because the replicas were behind.",
    "until the change was rolled back.",
    "for about two hours while traffic was drained to another region.",
    "and queued writes were replayed once it recovered.",
];
