//! Keywords → [`Category`]s.
//!
//! Takes the text that says why the incident happened (title, root cause, trigger, summary)
//! and the whole report; returns the categories of the fixed vocabulary whose keywords the
//! cause text names, plus those the whole report keeps coming back to. Pure keyword scoring:
//! no model, no I/O.

use std::sync::LazyLock;

use regex::Regex;

use crate::model::Category;

/// At most this many categories are kept, the best-supported first.
const MAX_CATEGORIES: usize = 5;

/// Mentions in the whole report that make a category without the cause text naming it.
const BODY_MENTIONS: usize = 5;

static KEYWORDS: LazyLock<Vec<(Category, Regex)>> = LazyLock::new(|| {
    let table: &[(Category, &str)] = &[
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
    table
        .iter()
        .map(|(category, pattern)| {
            (
                *category,
                crate::extract::ascii_word_regex(pattern).expect("literal category keyword regex"),
            )
        })
        .collect()
});

/// Categories for a report: each match in `cause` counts 3, each in `body` 1; a category
/// needs a cause match or [`BODY_MENTIONS`] body matches.
pub(crate) fn extract_categories(cause: &str, body: &str) -> Vec<Category> {
    // The keywords are lowercase ASCII, matched against ASCII-lowercased text: without `(?i)`
    // each pattern starts with plain literals, so the regex engine skips through the text with
    // a literal prefilter instead of running its DFA over every byte (20 patterns over a whole
    // report made this a seventh of a cold sync's CPU).
    let cause = cause.to_ascii_lowercase();
    let body = body.to_ascii_lowercase();
    let mut scored: Vec<(Category, usize)> = Vec::new();
    for (category, regex) in KEYWORDS.iter() {
        let in_cause = regex.find_iter(&cause).count();
        let in_body = regex.find_iter(&body).count();
        if in_cause > 0 || in_body >= BODY_MENTIONS {
            scored.push((*category, in_cause.min(3) * 3 + in_body.min(10)));
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
        assert_eq!(KEYWORDS.len(), 20);
        // extract_categories lowercases the text instead of matching case-insensitively.
        for (category, regex) in KEYWORDS.iter() {
            let pattern = regex.as_str().replace(r"\b", "").replace(r"\d", "");
            assert!(!pattern.chars().any(|c| c.is_ascii_uppercase()), "{category:?}");
        }
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
