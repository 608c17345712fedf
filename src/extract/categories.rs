//! Keywords → [`Category`]s.
//!
//! Takes the text that says why the incident happened (title, root cause, trigger, summary)
//! and the whole report; returns the categories of the fixed vocabulary whose keywords the
//! cause text names, plus those the whole report keeps coming back to. Pure keyword scoring:
//! no model, no I/O.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex_automata::{Anchored, Input, meta};
use regex_syntax::hir::literal::{ExtractKind, Extractor};

use crate::model::Category;

/// At most this many categories are kept, the best-supported first.
const MAX_CATEGORIES: usize = 5;

/// Mentions in the whole report that make a category without the cause text naming it.
const BODY_MENTIONS: usize = 5;

/// Each category's keywords: lowercase ASCII, matched against ASCII-lowercased text.
const TABLE: &[(Category, &str)] = &[
    (
        Category::ConfigChange,
        r"config(uration)? (change|push|update|error|mistake|file|parameter|setting|value)s?|misconfigur|mis-configur|incorrect(ly)? (config|setting|parameter)|wrong (config|setting|parameter)|bad config|(setting|parameter|flag) (was )?(changed|set)|timeout (reduction|change)|ingress rule|feature flag",
    ),
    (
        Category::Deploy,
        r"\bdeploy(ed|ment|ments|ing)?\b|\brelease[ds]?\b|\broll(ed|ing)?[- ]?out\b|pushed to production|code push|\bupgrade[ds]?\b|\bupgrading\b|\bmigration\b|version (bump|update)|new version",
    ),
    (
        Category::Database,
        r"\bdatabases?\b|\bpostgres(ql)?\b|\bmysql\b|\bmongo(db)?\b|\bredis\b|\bsql\b|\bscylla(db)?\b|\bcassandra\b|\bdb\b|\bquer(y|ies)\b|\breplica(tion|s)?\b|\bindex(es|ing)?\b|table locks?|\bdynamodb\b|\brds\b|\baurora\b|\belasticsearch\b|\bclickhouse\b",
    ),
    (
        Category::Network,
        r"\bnetwork(ing)?\b|\bbgp\b|\brout(ing|er|ers)\b|load[- ]balancers?|packet loss|connectivity|\bswitch(es)?\b|\bingress\b|\bfirewall\b|\btcp\b|\bsubnets?\b|ip address(es)?|\bcni\b|\blatency\b|\bproxy\b",
    ),
    (Category::Dns, r"\bdns\b|\bresolvers?\b|\bcoredns\b|\bnameservers?\b|domain name|\bttl\b"),
    (
        Category::Capacity,
        r"\bcapacity\b|traffic (spike|surge|increase)|\bsurge\b|\boverload(ed)?\b|(load|traffic) spike|high (traffic|load)|increase in (traffic|load)|scaling limits?|not enough (nodes|servers|instances)|thundering herd|peak load",
    ),
    (
        Category::ResourceExhaustion,
        r"memory leak|out of memory|\boom\b|exhaust(ed|ion)|disk (is )?(full|space|usage)|file descriptors?|connection (pool|limit|saturation)|max(imum)? connections|\bquotas?\b|rate limit|starvation|ran out of|\binotify\b|cpu (saturation|utili[sz]ation|usage)|memory (pressure|usage|consumption)|saturat(ed|ion)|\bgc pressure\b",
    ),
    (
        Category::Hardware,
        r"\bhardware\b|disk failure|degraded disk|faulty (switch|disk|nic|hardware)|(failed|failing) (disk|drive|nic|hardware)|\bgpus?\b|\bnvme\b|server failure|hardware failure",
    ),
    (
        Category::Power,
        r"\bpower (failure|outage|loss|supply|feeds?)\b|\belectrical\b|\bgenerators?\b|\bcooling\b|utility power|\bups\b",
    ),
    (
        Category::Cloud,
        r"\baws\b|\bamazon\b|\bazure\b|\bgcp\b|google cloud|cloud provider|\bec2\b|\bs3\b|\beks\b|\bgke\b|\baks\b|\brds\b|\bcloudflare\b|availability zones?|\bmsk\b|cloud (region|data ?center)|data ?center provider",
    ),
    (
        Category::Dependency,
        r"third[- ]party|\bdependenc(y|ies)\b|\bupstream\b|\bvendor\b|\blibrar(y|ies)\b|external (service|provider|api)|\bsdk\b",
    ),
    (
        Category::Security,
        r"\bsecurity\b|\battack(er|ers|s)?\b|\bddos\b|\bmalicious\b|sql injection|vulnerab|\bexploit|\bbreach|compromis|unauthori[sz]ed|\bworm\b|\bmalware\b|supply[- ]chain|log4shell|\bcve-\d",
    ),
    (Category::Certificate, r"\bcertificates?\b|\btls\b|\bssl\b|\bcerts?\b"),
    (
        Category::Time,
        r"\bclocks?\b|time ?zones?|leap (second|year|day)|\bntp\b|daylight saving|date handling|clock skew|\by2k\b",
    ),
    (
        Category::Kubernetes,
        r"\bkubernetes\b|\bk8s\b|\bpods?\b|\bkubelet\b|\beks\b|\bgke\b|\bhelm\b|\bdaemon ?sets?\b|ingress controller|\betcd\b|\bkube-|\bnode ?groups?\b",
    ),
    (
        Category::Storage,
        r"\bstorage\b|\bdisks?\b|\bvolumes?\b|\bebs\b|object store|file ?system|\bnfs\b|\braid\b|\bs3\b|\btoast\b|\bbackups?\b|\bssds?\b",
    ),
    (
        Category::CascadingFailure,
        r"\bcascad(e|ed|es|ing)\b|knock-on|domino|retry storm|thundering herd|\bspread\b|chain reaction|amplif(y|ied|ication)|\bcompounding\b",
    ),
    (
        Category::Automation,
        r"\bautomat(ed|ion|ic|ically)\b|\bscripts?\b|\bpipelines?\b|ci/cd|\bcron\b|scheduled (job|task|pipeline)|\bautoscal|\bpuppet\b|\bterraform\b|\bansible\b|\bgitops\b|\bflux\b|\bargo ?cd\b|\bbot\b",
    ),
    (
        Category::Bug,
        r"\bbugs?\b|\bregression\b|race condition|code (change|error|defect)|syntax error|\btypo\b|null pointer|unhandled exception|memory leak|logic error|\bflaw\b|\bdefect\b|circular dependency|\bmisspell",
    ),
    (
        Category::HumanError,
        r"human error|\bmanual(ly)?\b|\bmistake\b|accidental(ly)?|inadvertent(ly)?|operator error|wrong command|by mistake|\btypo\b|fat[- ]finger|\bmisspell|unintended|unintentional",
    ),
];

static KEYWORDS: LazyLock<Keywords> = LazyLock::new(Keywords::new);

/// How much of each prefix literal [`Keywords`] searches for.
const LITERAL_BYTES: usize = 4;

/// The keyword patterns, searched in one pass instead of twenty (why: bench/README.md,
/// round 4). One Aho-Corasick pass finds every place where a keyword can start (the prefix literals of each pattern, as the regex engine extracts
/// them for its own prefilter), and each category's pattern runs anchored at its places
/// only, in order, skipping places inside its previous match. That is the same count as
/// `find_iter(text).count()` on each pattern: a match starts with one of the prefix
/// literals of its pattern, so the leftmost match at or after a point starts at one of the
/// places, and the anchored search there finds the match the unanchored one would.
struct Keywords {
    /// Each category with its pattern, in the vocabulary's order.
    patterns: Vec<(Category, meta::Regex)>,
    /// Every category's prefix literals (overlapping matches are all reported).
    starts: AhoCorasick,
    /// `owners[literal]`: the indexes in `patterns` of the categories the literal starts.
    owners: Vec<Vec<usize>>,
    /// Categories whose matches may start anywhere (no finite prefix set): searched whole.
    unbounded: Vec<usize>,
}

impl Keywords {
    fn new() -> Self {
        let mut patterns = Vec::with_capacity(TABLE.len());
        // Each literal once, with the categories it starts; cut to its first bytes (still a
        // start of every match it started), which leaves fewer and shorter literals to find.
        let mut literals: BTreeMap<Vec<u8>, Vec<usize>> = BTreeMap::new();
        let mut unbounded = Vec::new();
        for (index, (category, pattern)) in TABLE.iter().enumerate() {
            let pattern = crate::extract::ascii_word_pattern(pattern);
            let hir = regex_syntax::parse(&pattern).expect("literal category keyword regex");
            let prefixes = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
            match prefixes.literals() {
                Some(found) if !found.is_empty() && found.iter().all(|l| !l.is_empty()) => {
                    for literal in found {
                        let bytes = literal.as_bytes();
                        let start = bytes[..bytes.len().min(LITERAL_BYTES)].to_vec();
                        let owners = literals.entry(start).or_default();
                        if !owners.contains(&index) {
                            owners.push(index);
                        }
                    }
                }
                _ => unbounded.push(index),
            }
            let regex = meta::Regex::new(&pattern).expect("literal category keyword regex");
            patterns.push((*category, regex));
        }
        let (literals, owners): (Vec<Vec<u8>>, Vec<Vec<usize>>) = literals.into_iter().unzip();
        // A DFA: built once per process (a few hundred literals), and the fastest of the
        // automata at reporting overlapping matches.
        let starts = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&literals)
            .expect("category keyword literals");
        Self { patterns, starts, owners, unbounded }
    }

    /// How often each category's pattern matches in `text` (without overlaps, as
    /// `find_iter` counts), up to `cap`, in the order of `patterns`.
    fn count(&self, text: &str, cap: usize) -> Vec<usize> {
        let mut counts = vec![0; self.patterns.len()];
        for &index in &self.unbounded {
            counts[index] = self.patterns[index].1.find_iter(text).take(cap).count();
        }
        let mut places: Vec<(usize, usize)> = self
            .starts
            .find_overlapping_iter(text)
            .flat_map(|found| {
                let start = found.start();
                self.owners[found.pattern().as_usize()].iter().map(move |&index| (index, start))
            })
            .collect();
        places.sort_unstable();
        places.dedup();
        // Places come sorted by category, then position; `resume` is where the category's
        // last match ended.
        let (mut current, mut resume) = (usize::MAX, 0);
        for (index, start) in places {
            if index != current {
                (current, resume) = (index, 0);
            }
            if start < resume || counts[index] >= cap {
                continue;
            }
            let input = Input::new(text).span(start..text.len()).anchored(Anchored::Yes);
            // Every match starts with a non-empty literal, so it ends past `start`.
            if let Some(found) = self.patterns[index].1.search_half(&input) {
                counts[index] += 1;
                resume = found.offset();
            }
        }
        counts
    }
}

/// Cause mentions beyond this many add nothing to a category's score.
const CAUSE_CAP: usize = 3;

/// Body mentions beyond this many add nothing to a category's score (at least
/// [`BODY_MENTIONS`]).
const BODY_CAP: usize = 10;

const _: () = assert!(BODY_CAP >= BODY_MENTIONS && CAUSE_CAP >= 1);

/// Categories for a report: each match in `cause` counts 3, each in `body` 1; a category
/// needs a cause match or [`BODY_MENTIONS`] body matches.
pub(crate) fn extract_categories(cause: &str, body: &str) -> Vec<Category> {
    // The keywords are lowercase ASCII, matched against ASCII-lowercased text: without `(?i)`
    // each pattern starts with a few plain literals (`Keywords` searches for those). Counting
    // stops where the score stops: a long report names its database far more than ten times.
    let in_cause = KEYWORDS.count(&cause.to_ascii_lowercase(), CAUSE_CAP);
    let in_body = KEYWORDS.count(&body.to_ascii_lowercase(), BODY_CAP);
    let mut scored: Vec<(Category, usize)> = Vec::new();
    for (index, (category, _)) in KEYWORDS.patterns.iter().enumerate() {
        let (in_cause, in_body) = (in_cause[index], in_body[index]);
        if in_cause > 0 || in_body >= BODY_MENTIONS {
            scored.push((*category, in_cause * 3 + in_body));
        }
    }
    // Stable: equal scores keep the vocabulary's order.
    scored.sort_by_key(|&(_, score)| std::cmp::Reverse(score));
    let mut categories: Vec<Category> =
        scored.into_iter().take(MAX_CATEGORIES).map(|(c, _)| c).collect();
    categories.sort();
    categories
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_literals_compile() {
        assert_eq!(KEYWORDS.patterns.len(), 20);
        // Every pattern has prefix literals to search for; none is searched whole.
        assert!(KEYWORDS.unbounded.is_empty());
        // extract_categories lowercases the text instead of matching case-insensitively.
        for (category, pattern) in TABLE {
            let pattern = pattern.replace(r"\b", "").replace(r"\d", "");
            assert!(!pattern.chars().any(|c| c.is_ascii_uppercase()), "{category:?}");
        }
    }

    /// The count of `find_iter` on each pattern alone, as categories were counted before
    /// [`Keywords`].
    fn counted_one_by_one(text: &str) -> Vec<usize> {
        TABLE
            .iter()
            .map(|(_, pattern)| {
                crate::extract::ascii_word_regex(pattern).unwrap().find_iter(text).count()
            })
            .collect()
    }

    /// Pieces of keywords (whole, cut, run together, at word edges), other words and
    /// separators, including non-ASCII ones next to keywords.
    #[rustfmt::skip]
    const PIECES: &[&str] = &[
        "config", "uration", " change", "s", "misconfigur", "ed", "deploy", "ment", "release", "d",
        "roll", "-", "out", "upgrade", "migration", "version bump", "database", "db", "postgres",
        "ql", "quer", "y", "ies", "replica", "tion", "index", "ing", "network", "bgp",
        "load balancer", "load-balancers", "dns", "resolver", "ttl", "capacity", "traffic spike",
        "overload", "memory leak", "out of memory", "oom", "exhaust", "disk full", "quota",
        "rate limit", "hardware", "gpu", "nvme", "power outage", "ups", "cooling", "aws", "s3",
        "eks", "gke", "rds", "availability zone", "third-party", "upstream", "sdk", "security",
        "attack", "ers", "ddos", "cve-", "2021", "certificate", "tls", "cert", "clock", "time zone",
        "timezones", "leap second", "kubernetes", "k8s", "pod", "kube-", "node group", "storage",
        "disk", "volume", "backup", "toast", "cascad", "e", "retry storm", "thundering herd",
        "amplif", "automat", "ic", "script", "pipeline", "ci/cd", "cron", "autoscal", "bot", "both",
        "bug", "regression", "typo", "null pointer", "human error", "manual", "ly", "by mistake",
        "fat-finger", "unintended", " ", " ", "  ", ".", ",", "\n", "_", "é", "—", "ü", "0", "a",
        "x",
    ];

    #[test]
    fn one_pass_counts_what_each_pattern_counts_alone() {
        let mut rng = fastrand::Rng::with_seed(9);
        for round in 0..3000 {
            let mut text = String::new();
            for _ in 0..rng.usize(1..60) {
                text.push_str(PIECES[rng.usize(..PIECES.len())]);
            }
            let whole = counted_one_by_one(&text);
            assert_eq!(KEYWORDS.count(&text, usize::MAX), whole, "round {round}: {text:?}");
            // A cap counts the first matches only.
            let capped: Vec<usize> = whole.iter().map(|&n| n.min(2)).collect();
            assert_eq!(KEYWORDS.count(&text, 2), capped, "round {round}: {text:?}");
        }
        let report = "a misconfigured load balancer after a deployment: the database's \
            replicas and their indexes ran out of memory; ddos? no. cve-2021-44228 in a \
            library, k8s pods and kube-proxy, s3 and rds in aws, retry storm, cascading bugs";
        let counts = KEYWORDS.count(report, usize::MAX);
        assert_eq!(counts, counted_one_by_one(report));
        assert!(counts.iter().sum::<usize>() > 20, "{counts:?}");
    }

    #[test]
    fn cause_text_decides() {
        let got = extract_categories(
            "A misconfigured database server led to a cascade of failures after a routine deploy.",
            "",
        );
        assert_eq!(
            got,
            vec![
                Category::ConfigChange,
                Category::Deploy,
                Category::Database,
                Category::CascadingFailure
            ]
        );
        assert_eq!(
            extract_categories("The TLS certificate expired.", ""),
            vec![Category::Certificate]
        );
        assert_eq!(
            extract_categories("A power failure in a cloud provider data center.", ""),
            vec![Category::Power, Category::Cloud]
        );
        assert_eq!(
            extract_categories("Memory leak in the checkout service exhausted the servers.", ""),
            vec![Category::ResourceExhaustion, Category::Bug]
        );
        assert_eq!(
            extract_categories("An SQL injection attack on the login form.", ""),
            vec![Category::Database, Category::Security]
        );
    }

    #[test]
    fn body_needs_repeated_mentions() {
        assert!(extract_categories("", "We use Kubernetes.").is_empty());
        let body =
            "Kubernetes pods restarted. The kubelet evicted pods. Helm rolled back the pods.";
        assert_eq!(extract_categories("", body), vec![Category::Kubernetes]);
    }

    #[test]
    fn at_most_five() {
        let cause = "deploy database network dns capacity memory leak hardware power aws library attack certificate clock kubernetes storage cascading automated bug manual";
        assert!(extract_categories(cause, "").len() <= MAX_CATEGORIES);
    }
}
