use super::cues::{RE_EFFECT_OF_PREVIOUS, strongest};
use super::*;

fn doc(blocks: Vec<Block>) -> Document {
    Document { blocks, ..Document::default() }
}
fn h(level: u8, text: &str) -> Block {
    Block::Heading { level, text: text.into() }
}
fn p(text: &str) -> Block {
    Block::Paragraph { text: text.into() }
}
fn li(text: &str) -> Block {
    Block::ListItem { text: text.into() }
}

#[test]
fn vocabulary_literals_compile() {
    assert!(VOCABULARY.len() > 5);
    // Each cue compiles on first use; here, all of them.
    for set in [&*CAUSE_CUES, &*RESOLUTION_CUES, &*IMPACT_CUES] {
        for cue in &set.cues {
            assert_eq!(cue.find("nothing to see"), None);
        }
    }
    assert!(!RE_HEADING_NOISE.as_str().is_empty());
    assert!(!RE_RESOLUTION_SENTENCE.as_str().is_empty());
    assert!(
        CAUSE_CUES.cues.len() > 3 && RESOLUTION_CUES.cues.len() > 2 && IMPACT_CUES.cues.len() > 2
    );
    for re in [&*RE_NOT_A_CAUSE, &*RE_EFFECT_OF_PREVIOUS, &*RE_NOT_A_RESOLUTION, &*RE_NOT_AN_IMPACT]
    {
        assert!(!re.as_str().is_empty());
    }
}

#[test]
fn headings_vocabulary() {
    let cases: &[(&str, &[Kind])] = &[
        ("Issue Summary", &[Kind::Summary]),
        ("Impact", &[Kind::Impact]),
        ("Root Causes", &[Kind::RootCause]),
        ("Root Cause and Resolution", &[Kind::RootCause, Kind::Resolution]),
        ("Trigger", &[Kind::Trigger]),
        ("Contributing Factors", &[Kind::Contributing]),
        ("What went wrong, and why?", &[Kind::RootCause]),
        ("Five whys", &[Kind::RootCause]),
        ("5 Why's", &[Kind::RootCause]),
        ("Five Why’s", &[Kind::RootCause]),
        ("What happened?", &[Kind::Summary]),
        ("How did we respond?", &[Kind::Resolution, Kind::Timeline]),
        (
            "How are we making incidents like this less likely or less impactful?",
            &[Kind::ActionItems],
        ),
        ("Corrective and Preventative Measures", &[Kind::ActionItems]),
        ("Action Items", &[Kind::ActionItems]),
        ("Prevention", &[Kind::ActionItems]),
        ("Remediation", &[Kind::Resolution]),
        ("Recovery", &[Kind::Resolution]),
        ("Timeline", &[Kind::Timeline]),
        ("Lessons learned", &[Kind::Lessons]),
        ("Summation", &[Kind::Summary]),
        ("Why did it happen?", &[Kind::RootCause]),
        ("How are we preventing it from happening again?", &[Kind::ActionItems]),
        ("Long term solution", &[Kind::ActionItems]),
        ("Looking Forward", &[Kind::ActionItems]),
        ("Future plan", &[Kind::ActionItems]),
        ("Improving our alerting", &[Kind::ActionItems]),
        ("## 3. TIMELINE:", &[Kind::Timeline]),
        ("Duration of the Outage", &[Kind::Duration]),
    ];
    for (heading, expected) in cases {
        let mut got = heading_kinds(heading);
        got.sort_by_key(|k| format!("{k:?}"));
        let mut want = expected.to_vec();
        want.sort_by_key(|k| format!("{k:?}"));
        assert_eq!(got, want, "{heading}");
    }
    assert!(heading_kinds("Intended Design").is_empty());
}

#[test]
fn fields_from_headings_with_inheritance() {
    let d = doc(vec![
        h(1, "Checkout outage"),
        h(2, "Root Cause and Resolution"),
        p(
            "The root cause was a memory leak in the checkout service. The issue was resolved by restarting the service.",
        ),
        h(2, "Impact"),
        p("30% of users could not pay."),
        h(2, "Corrective and Preventative Measures"),
        h(4, "Tasks"),
        li("Add memory alerts"),
        li("Load test before peak season"),
    ]);
    let sections = read_sections(&d);
    let fields = extract_fields(&sections);
    assert_eq!(
        fields.root_cause.as_deref(),
        Some("The root cause was a memory leak in the checkout service.")
    );
    assert_eq!(
        fields.resolution.as_deref(),
        Some("The issue was resolved by restarting the service.")
    );
    assert_eq!(fields.impact.as_deref(), Some("30% of users could not pay."));
    assert_eq!(fields.action_items, vec!["Add memory alerts", "Load test before peak season"]);
    assert!(fields.root_cause_from_heading);
}

#[test]
fn prose_fallback_without_headings() {
    let d = doc(vec![p(
        "On May 3 our API was down for an hour. The outage was caused by an expired certificate on the load balancer. It was resolved by renewing the certificate.",
    )]);
    let fields = extract_fields(&read_sections(&d));
    assert_eq!(fields.root_cause.as_deref(), Some("An expired certificate on the load balancer."));
    // The summary quotes the sentence the cause was cut from.
    assert_eq!(
        fields.root_cause_sentence.as_deref(),
        Some("The outage was caused by an expired certificate on the load balancer.")
    );
    assert_eq!(fields.resolution.as_deref(), Some("It was resolved by renewing the certificate."));
    assert!(!fields.root_cause_from_heading);
}

#[test]
fn negated_and_unknown_causes_are_skipped_for_the_real_one() {
    let d = doc(vec![
        h(1, "Login outage on June 3"),
        p(
            "On June 3 users could not log in for 40 minutes. This incident was not in any way caused by external actors. We don't yet have clarity from our provider on the root cause of their network event.",
        ),
        p(
            "After two hours of reading logs and comparing hosts, we found that the outage was caused by an expired TLS certificate on the session service.",
        ),
        p("We renewed the certificate and service was restored at 11:40."),
    ]);
    let fields = extract_fields(&read_sections(&d));
    let cause = fields.root_cause.unwrap_or_default();
    assert!(cause.contains("expired TLS certificate"), "{cause}");
    assert!(!cause.contains("external actors") && !cause.contains("clarity"), "{cause}");
    assert_eq!(
        fields.resolution.as_deref(),
        Some("We renewed the certificate and service was restored at 11:40.")
    );
    assert_eq!(fields.impact.as_deref(), Some("On June 3 users could not log in for 40 minutes."));
}

#[test]
fn a_long_cause_sentence_is_cut_to_its_clause() {
    let sentence = "We spent most of the evening on the phone with the vendor, the database team and two on-call engineers from the storage group; in the end the root cause was a full disk on the primary replica - which nobody had watched.";
    let cue = strongest(sentence, &CAUSE_CUES).and_then(|c| c.find(sentence)).unwrap_or(0..0);
    assert_eq!(
        cause_clause(sentence, cue.clone()),
        "in the end the root cause was a full disk on the primary replica"
    );
    assert_eq!(cause_words(sentence, cue), "A full disk on the primary replica");
}

#[test]
fn an_effect_sentence_points_to_the_cause_before_it() {
    let d = doc(vec![p(
        "A cron job deleted the cache index every hour. This resulted in 53 minutes of downtime for the API.",
    )]);
    let fields = extract_fields(&read_sections(&d));
    assert_eq!(
        fields.root_cause.as_deref(),
        Some("A cron job deleted the cache index every hour.")
    );
}

#[test]
fn a_sentence_that_states_its_own_cause_is_not_an_effect_of_the_previous() {
    assert!(gives_effect_of_previous("This led to an hour of errors."));
    assert!(!gives_effect_of_previous("This drop was caused by a full disk."));
    let d = doc(vec![p(
        "Availability fell to 25% when connections drained. This drop was caused by a full disk on the primary node.",
    )]);
    let fields = extract_fields(&read_sections(&d));
    assert_eq!(fields.root_cause.as_deref(), Some("A full disk on the primary node."));
    // Nor is a sentence that names the cause the fix.
    assert_eq!(fields.resolution, None);
}

#[test]
fn resolution_skips_steps_that_failed_or_are_planned() {
    let d = doc(vec![
        p("Earlier that week we had upgraded the proxy fleet."),
        p("We attempted to restart the proxies, which did not help."),
        p("We will add an alert on queue depth."),
        p("The incident was resolved by rolling back the proxy upgrade."),
    ]);
    let fields = extract_fields(&read_sections(&d));
    assert_eq!(
        fields.resolution.as_deref(),
        Some("The incident was resolved by rolling back the proxy upgrade.")
    );
}

#[test]
fn what_went_wrong_under_lessons_is_a_lesson_not_the_cause() {
    let d = doc(vec![
        h(1, "Build outage"),
        h(2, "Summary"),
        p("Builds failed for three hours because the registry certificate had expired."),
        h(2, "Lessons learned"),
        h(3, "What went wrong"),
        p("It took us an hour to notice the alerts."),
    ]);
    let fields = extract_fields(&read_sections(&d));
    let cause = fields.root_cause.unwrap_or_default();
    assert!(cause.contains("certificate had expired"), "{cause}");
    assert!(!fields.root_cause_from_heading);
}

#[test]
fn a_long_section_is_cut_to_its_cued_sentences_and_a_lead_in_keeps_its_items() {
    let filler = "The team met in the morning to review the dashboards and the deploy log. ";
    let d = doc(vec![
        h(2, "Root cause"),
        p(&filler.repeat(6)),
        p("We determined the two contributing factors were:"),
        li("a queue consumer with no memory limit"),
        li("an alert routed to an unused channel"),
    ]);
    let fields = extract_fields(&read_sections(&d));
    let cause = fields.root_cause.unwrap_or_default();
    assert!(cause.starts_with("We determined the two contributing factors were:"), "{cause}");
    assert!(cause.contains("no memory limit") && cause.contains("unused channel"), "{cause}");
    assert!(!cause.contains("dashboards"), "{cause}");
}

#[test]
fn action_items_are_list_items_else_one_per_paragraph() {
    let listed = doc(vec![
        h(2, "Looking forward"),
        p("We are planning several things to improve transparency:"),
        li("Alert on queue depth"),
        li("Load test the broker"),
        p("Thanks again for your patience."),
    ]);
    assert_eq!(
        extract_fields(&read_sections(&listed)).action_items,
        vec!["Alert on queue depth", "Load test the broker"]
    );
    let prose = doc(vec![
        h(2, "Follow-up"),
        p("The pager should notify more people. Ideally it would ping chat directly."),
        p("DNS changes need a second approver. We filed an issue for it."),
    ]);
    assert_eq!(extract_fields(&read_sections(&prose)).action_items.len(), 2);
}

#[test]
fn without_an_impact_cue_the_opening_statement_is_the_impact() {
    let fields = extract_fields(&read_sections(&doc(vec![
        p("Recently we were made aware of slow clones of the shared package index."),
        p("The index is big."),
        h(2, "Shallow clones"),
        p("Shallow clones made the servers compute deltas on every fetch."),
    ])));
    assert_eq!(
        fields.impact.as_deref(),
        Some("Recently we were made aware of slow clones of the shared package index.")
    );
    let cued = extract_fields(&read_sections(&doc(vec![
        p("Recently we changed how the shared package index is cloned by default."),
        p("For two hours users could not install packages and saw 503 errors."),
    ])));
    assert_eq!(
        cued.impact.as_deref(),
        Some("For two hours users could not install packages and saw 503 errors.")
    );
}

#[test]
fn sentences_keep_abbreviations_and_times() {
    let s = sentences(
        "At 2:00 p.m. UTC the site failed, e.g. checkout. Then it recovered! Done. Version 2 shipped on Apr. 28 to all.",
    );
    assert_eq!(
        s,
        vec![
            "At 2:00 p.m. UTC the site failed, e.g. checkout.",
            "Then it recovered!",
            "Done.",
            "Version 2 shipped on Apr. 28 to all."
        ]
    );
}

#[test]
fn a_sentence_may_open_with_a_name_in_its_own_case() {
    assert_eq!(
        sentences(
            "Android pushes were delayed. iOS notifications were not affected. npm was fine."
        ),
        vec!["Android pushes were delayed.", "iOS notifications were not affected. npm was fine."]
    );
}

#[test]
fn clip_cuts_at_words() {
    let c = clip("alpha beta gamma delta", 15);
    assert!(c.len() <= 15 + '…'.len_utf8() && c.ends_with('…'), "{c}");
}

#[test]
fn the_problem_was_that_names_a_cause_and_a_flaw_that_allowed_an_attack_does_too() {
    let d = doc(vec![p(
        "Image builds queued for most of Sunday. The problem was that one popular repository took every build slot while it rebuilt. We banned the repository and builds started again.",
    )]);
    let fields = extract_fields(&read_sections(&d));
    assert_eq!(
        fields.root_cause.as_deref(),
        Some("One popular repository took every build slot while it rebuilt.")
    );
    // An aside in the present tense is commentary, not the cause.
    let d = doc(vec![p(
        "The stylesheet failed to compile on deploy. The real problem is that there is a lot going on in that line.",
    )]);
    assert_eq!(extract_fields(&read_sections(&d)).root_cause, None);

    let d = doc(vec![p(
        "On April 19 a researcher reported the issue to us. A flaw in the upload validation allowed any registered user to run shell commands on the server. We patched the validation the same day.",
    )]);
    let cause = extract_fields(&read_sections(&d)).root_cause.unwrap_or_default();
    assert!(cause.starts_with("A flaw in the upload validation allowed"), "{cause}");
}

#[test]
fn recovery_says_how_it_ended_where_response_says_who_responded() {
    let d = doc(vec![
        h(1, "Database outage"),
        h(2, "Response"),
        p("Sam responded to the page within five minutes. There were no obstacles."),
        h(2, "Recovery"),
        li("Force-deleted the stuck database pods."),
        li("Remounted the volume and reapplied the deployment."),
    ]);
    let fields = extract_fields(&read_sections(&d));
    assert_eq!(
        fields.resolution.as_deref(),
        Some(
            "Force-deleted the stuck database pods. Remounted the volume and reapplied the deployment."
        )
    );
    // With a Response section only, it is still the resolution.
    let d = doc(vec![
        h(1, "Database outage"),
        h(2, "Response"),
        p("We restarted the primary and service was restored at 10:40."),
    ]);
    let fields = extract_fields(&read_sections(&d));
    assert_eq!(
        fields.resolution.as_deref(),
        Some("We restarted the primary and service was restored at 10:40.")
    );
}

#[test]
fn a_passive_fix_is_a_resolution_and_stabilization_steps_are_a_resolution_heading() {
    let d = doc(vec![p(
        "Launches hung for an hour on Tuesday. The faulty node was cordoned and the hub pod was restarted.",
    )]);
    assert_eq!(
        extract_fields(&read_sections(&d)).resolution.as_deref(),
        Some("The faulty node was cordoned and the hub pod was restarted.")
    );
    assert_eq!(heading_kinds("Stabilization Steps"), vec![Kind::Resolution]);
    assert_eq!(heading_kinds("Actions Taken"), vec![Kind::Resolution]);
}

#[test]
fn an_impact_section_of_figures_only_leaves_the_impact_to_the_prose() {
    let d = doc(vec![
        h(1, "Login failure"),
        h(2, "Description"),
        p(
            "Users could not log in to the editor in staging and production for most of the morning.",
        ),
        h(2, "Impact"),
        p("MTTD: 2h52m"),
        p("MTTR: 1h35m"),
    ]);
    let impact = extract_fields(&read_sections(&d)).impact.unwrap_or_default();
    assert!(impact.starts_with("Users could not log in"), "{impact}");
    // A section that says what happened in words is the impact, figures and all.
    let d = doc(vec![h(2, "Impact"), p("All uploads failed for 2h 10m (about 4% of requests).")]);
    assert_eq!(
        extract_fields(&read_sections(&d)).impact.as_deref(),
        Some("All uploads failed for 2h 10m (about 4% of requests).")
    );
}

#[test]
fn the_cause_is_the_words_after_a_cue_that_leads_into_it() {
    let words = |sentence: &str| {
        let cue = strongest(sentence, &CAUSE_CUES).and_then(|c| c.find(sentence)).expect("a cue");
        cause_words(sentence, cue).into_owned()
    };
    assert_eq!(
        words("We realized quickly that the incident was caused by a misconfigured deploy job."),
        "A misconfigured deploy job."
    );
    assert_eq!(
        words("Due to a full disk on the primary, the API failed for an hour."),
        "A full disk on the primary"
    );
    // Where the cue does not lead into the cause, the sentence stays whole.
    for sentence in [
        "One node running a proxy had run out of memory which broke the proxy.",
        "We saw delays caused by the slow database on the primary node.",
        "The root cause was traced to unoptimized expressions at high volume.",
        "The root cause is general and affects every node we run.",
        "The outage was caused by a bug.",
    ] {
        assert_eq!(words(sentence), sentence);
    }
}

#[test]
fn text_run_together_past_600_bytes_is_no_sentence_to_quote() {
    let markup = format!(
        "<rss><channel><item><title>Maintenance</title><description>users could not log in {}</description></item></channel></rss>",
        "<p>scheduled window</p> ".repeat(30)
    );
    let d = doc(vec![
        p(&markup),
        p("On May 3 the login service was down for an hour and users could not sign in."),
    ]);
    let impact = extract_fields(&read_sections(&d)).impact.unwrap_or_default();
    assert!(impact.starts_with("On May 3 the login service"), "{impact}");
}

#[test]
fn a_fix_that_points_back_brings_the_sentence_it_points_at() {
    let d = doc(vec![p(
        "Launches failed for two hours. We switched the DNS records to the standby region at 03:24. This resolved the outage for most users by 03:41.",
    )]);
    assert_eq!(
        extract_fields(&read_sections(&d)).resolution.as_deref(),
        Some(
            "We switched the DNS records to the standby region at 03:24. This resolved the outage for most users by 03:41."
        )
    );
    // A fix that names its own step stands alone.
    let d = doc(vec![p(
        "Launches failed for two hours. The team met at 03:00. The outage was resolved by switching the DNS records to the standby region.",
    )]);
    assert_eq!(
        extract_fields(&read_sections(&d)).resolution.as_deref(),
        Some("The outage was resolved by switching the DNS records to the standby region.")
    );
}

#[test]
fn the_title_names_the_subject_not_a_section() {
    let title = "DNS resolution failures in us-east";
    let d = Document {
        title: Some(title.into()),
        ..doc(vec![h(1, title), p("Services could not resolve internal hostnames.")])
    };
    let sections = read_sections(&d);
    assert!(sections.iter().all(|s| s.kinds.is_empty()), "{sections:?}");
    // A title that is a section's name alone still is one.
    let d = Document { title: Some("Root cause".into()), ..doc(vec![h(1, "Root cause")]) };
    assert!(read_sections(&d).iter().any(|s| s.has(Kind::RootCause)));
}

#[test]
fn a_long_impact_section_is_read_from_its_first_strong_statement_on() {
    let d = doc(vec![
        h(2, "Impact"),
        p(
            "Some background first: our scheduler hands each queued job to a pool of workers that run it on behalf of the account, and most accounts run a few thousand jobs a day.",
        ),
        p("Job execution was down for 46 minutes and degraded for another two hours."),
        p(
            "Inbound events were all kept and every job that was missed can be replayed from the dashboard.",
        ),
        p("Users who saw failed jobs were emailed the next morning with a link to replay them."),
    ]);
    let impact = extract_fields(&read_sections(&d)).impact.unwrap_or_default();
    assert!(impact.starts_with("Job execution was down for 46 minutes"), "{impact}");
    // What follows the statement, cued or not, up to the field's length.
    assert!(impact.contains("Inbound events were all kept"), "{impact}");
}

#[test]
fn a_fix_in_the_perfect_tense_or_by_a_named_team_is_a_resolution() {
    let d = doc(vec![p(
        "Our wiki server ran a cryptocurrency miner for two days. The operations team has permanently disabled the wiki and rotated every deploy key.",
    )]);
    assert_eq!(
        extract_fields(&read_sections(&d)).resolution.as_deref(),
        Some("The operations team has permanently disabled the wiki and rotated every deploy key.")
    );
}

#[test]
fn caused_a_widespread_disruption_points_to_the_cause_before_it() {
    let d = doc(vec![p(
        "A firewall agent upgrade flushed the cluster's network rules. This caused a widespread service disruption for about ninety minutes.",
    )]);
    let fields = extract_fields(&read_sections(&d));
    assert_eq!(
        fields.root_cause.as_deref(),
        Some("A firewall agent upgrade flushed the cluster's network rules.")
    );
    assert!(!fields.root_cause_weak);
}

#[test]
fn an_exploited_vulnerability_is_a_weak_cause() {
    let d = doc(vec![p(
        "Attackers reached the build host on Monday. The image-resizing vulnerability in our upload service let them run commands there.",
    )]);
    let fields = extract_fields(&read_sections(&d));
    assert_eq!(
        fields.root_cause.as_deref(),
        Some("The image-resizing vulnerability in our upload service let them run commands there.")
    );
    // A weak cue fills the field but is no sign of a report to the classifier.
    assert!(fields.root_cause_weak);
    let strong = doc(vec![p("The outage was caused by an expired certificate on the proxy.")]);
    assert!(!extract_fields(&read_sections(&strong)).root_cause_weak);
}

#[test]
fn why_alone_is_a_cause_heading_and_late_deliveries_are_an_impact() {
    assert_eq!(heading_kinds("Why?"), vec![Kind::RootCause]);
    assert_eq!(heading_kinds("## Why"), vec![Kind::RootCause]);
    // Not a question that merely starts with the word.
    assert!(!heading_kinds("Why we moved to Kafka").contains(&Kind::RootCause));
    let d = doc(vec![
        h(2, "What happened"),
        p(
            "From 08:05 to 10:50 CET about a third of push notifications arrived 20 to 90 minutes late.",
        ),
        h(2, "Why"),
        p("A rebalance moved six partitions onto a broker whose disk was 97% full."),
    ]);
    let fields = extract_fields(&read_sections(&d));
    assert_eq!(
        fields.root_cause.as_deref(),
        Some("A rebalance moved six partitions onto a broker whose disk was 97% full.")
    );
    assert_eq!(
        fields.impact.as_deref(),
        Some(
            "From 08:05 to 10:50 CET about a third of push notifications arrived 20 to 90 minutes late."
        )
    );
}

#[test]
fn question_headings_and_an_impact_never_taken_from_the_cause_section() {
    assert_eq!(heading_kinds("Why did it go wrong?"), vec![Kind::RootCause]);
    assert_eq!(heading_kinds("Why things went wrong"), vec![Kind::RootCause]);
    let d = doc(vec![
        h(2, "What went wrong?"),
        p("Between 22:40 and 23:55 BST every search on the site returned an error page."),
        h(2, "Why did it go wrong?"),
        p("A certificate expired at 22:40. The renewal job had been failing silently since July."),
    ]);
    let fields = extract_fields(&read_sections(&d));
    assert_eq!(
        fields.root_cause.as_deref(),
        Some(
            "A certificate expired at 22:40. The renewal job had been failing silently since July."
        )
    );
    // "The renewal job had been failing" has a stronger impact cue, but it is the cause.
    assert_eq!(
        fields.impact.as_deref(),
        Some("Between 22:40 and 23:55 BST every search on the site returned an error page.")
    );
}

#[test]
fn what_leaked_because_of_names_its_cause_over_what_we_learned() {
    let d = doc(vec![
        p(
            "On 4 March we learned that a publish token had been exposed in a public CI log for eleven days.",
        ),
        p("We revoked the token within 20 minutes and audited every version published meanwhile."),
        p("The token leaked because a debugging step printed the job's environment variables."),
    ]);
    let fields = extract_fields(&read_sections(&d));
    assert_eq!(
        fields.root_cause.as_deref(),
        Some("A debugging step printed the job's environment variables.")
    );
    assert_eq!(
        fields.resolution.as_deref(),
        Some(
            "We revoked the token within 20 minutes and audited every version published meanwhile."
        )
    );
}

#[test]
fn a_timeline_step_as_resolution_drops_its_clock_time() {
    for (step, want) in [
        ("2:55 p.m. — The previous keys are restored.", "The previous keys are restored."),
        ("17:05: Dashboard was accessible again", "Dashboard was accessible again"),
        ("14:05 UTC - Rolled back the deploy", "Rolled back the deploy"),
        // No separator: the time is part of the sentence.
        ("14:05 we rolled back the deploy", "14:05 we rolled back the deploy"),
        ("We rolled back at 14:05.", "We rolled back at 14:05."),
    ] {
        assert_eq!(without_leading_time(step), want, "{step}");
    }
}

#[test]
fn a_fix_told_as_a_purpose_or_a_deployed_patch_is_the_resolution() {
    for (told, want) in [
        (
            vec![
                p("We'd fixed the cache headers, but we'd not yet fixed the load on the origin."),
                p("To fix this, we added a cache rule and disabled the stale page rules."),
            ],
            "To fix this, we added a cache rule and disabled the stale page rules.",
        ),
        (
            vec![
                p("A second attack vector was not fixed with the original patch."),
                p("We deployed a partial fix on April 2nd and a complete fix on April 4th."),
            ],
            "We deployed a partial fix on April 2nd and a complete fix on April 4th.",
        ),
        (
            vec![
                p("A common solution is to compare the deployed revision before precompiling."),
                p("We quickly rolled back the deploy and the pages rendered again."),
            ],
            "We quickly rolled back the deploy and the pages rendered again.",
        ),
        (
            vec![
                p("The firewall agent flushed every rule when it restarted."),
                p("The platform team has turned off the agent until the vendor ships a fix."),
            ],
            "The platform team has turned off the agent until the vendor ships a fix.",
        ),
    ] {
        let fields = extract_fields(&read_sections(&doc(told)));
        assert_eq!(fields.resolution.as_deref(), Some(want));
    }
}

#[test]
fn what_broke_because_and_x_so_y_failed_name_their_causes() {
    let d = doc(vec![
        p("The bug is tracked in our issue tracker."),
        p("The widget was broken because it still called the retired v0 endpoint."),
    ]);
    assert_eq!(
        extract_fields(&read_sections(&d)).root_cause.as_deref(),
        Some("It still called the retired v0 endpoint.")
    );
    let d = doc(vec![
        p("Uploads hung at 99% and then failed."),
        p(
            "The new code read the key's expiry in seconds, but the provider gives milliseconds, so every upload URL had already expired.",
        ),
    ]);
    let fields = extract_fields(&read_sections(&d));
    assert_eq!(
        fields.root_cause.as_deref(),
        Some("The new code read the key's expiry in seconds, but the provider gives milliseconds")
    );
    // The summary quotes the whole sentence.
    assert!(fields.root_cause_sentence.as_deref().is_some_and(|s| s.ends_with("already expired.")));
}

#[test]
fn five_whys_are_a_root_cause_section_and_its_questions_are_not_the_cause() {
    let d = doc(vec![
        h(2, "Five whys"),
        li("Why were articles missing? The indexer had stopped consuming the queue."),
        li("Why had it stopped? Its consumer crashed on a message over its size limit."),
        h(2, "Next steps"),
        li("Alert on indexer lag"),
    ]);
    let fields = extract_fields(&read_sections(&d));
    assert_eq!(
        fields.root_cause.as_deref(),
        Some(
            "The indexer had stopped consuming the queue. Its consumer crashed on a message over its size limit."
        )
    );
}

#[test]
fn an_impact_section_that_says_how_users_were_affected_wins_over_a_list_of_names() {
    let d = doc(vec![
        h(4, "Affected services"),
        li("Validator node in St. Louis"),
        h(2, "Impact assessment"),
        li("Block signing was unavailable for eight minutes; 40 rounds were affected."),
    ]);
    assert_eq!(
        extract_fields(&read_sections(&d)).impact.as_deref(),
        Some("Block signing was unavailable for eight minutes; 40 rounds were affected.")
    );
}

#[test]
fn a_timeline_table_row_can_tell_how_it_ended() {
    let d = doc(vec![
        h(2, "Summary"),
        p("Internal DNS lookups failed for 47 minutes."),
        h(2, "Timeline"),
        Block::TableRow { cells: vec!["Time (UTC)".into(), "Event".into(), "Owner".into()] },
        Block::TableRow {
            cells: vec!["09:14".into(), "Cache size change rolled out".into(), "Platform".into()],
        },
        Block::TableRow {
            cells: vec!["10:01".into(), "Error rates back to baseline".into(), "Alerting".into()],
        },
    ]);
    assert_eq!(
        extract_fields(&read_sections(&d)).resolution.as_deref(),
        Some("Error rates back to baseline")
    );
}

#[test]
fn a_cause_cue_reads_across_a_dotted_time() {
    let d = doc(vec![p(
        "Our index stopped updating from 2.15pm to 8.20pm because a certificate on the broker expired.",
    )]);
    assert_eq!(
        extract_fields(&read_sections(&d)).root_cause.as_deref(),
        Some("A certificate on the broker expired.")
    );
}

#[test]
fn corrective_actions_beside_preventive_ones_are_what_ended_it() {
    let capa = |corrective: &str| {
        doc(vec![
            h(2, "Root cause analysis"),
            p("The partners rotated their SFTP host keys and our job pins them."),
            h(2, corrective),
            li("08:50: verified the new host keys with each partner"),
            li("09:10: updated the pinned keys and re-ran the exports"),
            h(2, "Preventive actions"),
            li("Route partner announcements to the team's queue."),
        ])
    };
    let fields = extract_fields(&read_sections(&capa("Corrective actions")));
    assert_eq!(
        fields.resolution.as_deref(),
        Some(
            "verified the new host keys with each partner; updated the pinned keys and re-ran the exports"
        )
    );
    assert_eq!(fields.action_items, vec!["Route partner announcements to the team's queue."]);
    // Without a preventive list beside it, "Corrective actions" is the report's action items.
    let alone = doc(vec![h(2, "Corrective actions"), li("Alert on rejected exports.")]);
    let fields = extract_fields(&read_sections(&alone));
    assert_eq!(fields.action_items, vec!["Alert on rejected exports."]);
    assert_eq!(fields.resolution, None);
}

#[test]
fn a_timeline_step_that_ends_it_beats_a_hotfix_named_in_passing() {
    let d = doc(vec![
        h(2, "Summary"),
        p("Builds failed for users who upgraded to the 1.12 hotfix release."),
        h(2, "Timeline"),
        h(3, "2019-12-12"),
        p(
            "While the cause is investigated, the team starts to mitigate by adding empty plugin stubs.",
        ),
    ]);
    assert_eq!(
        extract_fields(&read_sections(&d)).resolution.as_deref(),
        Some(
            "While the cause is investigated, the team starts to mitigate by adding empty plugin stubs."
        )
    );
}

#[test]
fn a_heading_under_a_timeline_entry_is_a_phase_not_the_resolution() {
    let d = doc(vec![
        h(2, "Summary"),
        p(
            "Validators stalled for eight minutes. The incident resolved automatically once upstream connectivity stabilized.",
        ),
        h(2, "Timeline"),
        h(3, "02:05 CET"),
        h(4, "Gradual recovery"),
        li("Complete proposals received again"),
        h(2, "Root cause"),
        p("Upstream routing degraded."),
    ]);
    assert_eq!(
        extract_fields(&read_sections(&d)).resolution.as_deref(),
        Some("The incident resolved automatically once upstream connectivity stabilized.")
    );
}

#[test]
fn a_cause_that_points_on_is_told_by_the_sentence_after_it() {
    let d = doc(vec![
        p("The first report was accurate, but the actual root cause was deeper."),
        p("The exact cause of events was:"),
        li("Memory grew with every connection and was never freed"),
        li("Failing connections logged so much that the disk filled"),
    ]);
    assert_eq!(
        extract_fields(&read_sections(&d)).root_cause.as_deref(),
        Some(
            "The exact cause of events was: Memory grew with every connection and was never freed; Failing connections logged so much that the disk filled"
        )
    );
    // A cue that ends in what it names is no pointer: "which triggered the issue."
    let d = doc(vec![
        p("As part of a change we rolled back a workaround, which triggered the issue."),
        p("We opened a case with the vendor."),
    ]);
    assert_eq!(
        extract_fields(&read_sections(&d)).root_cause.as_deref(),
        Some("As part of a change we rolled back a workaround, which triggered the issue.")
    );
}

#[test]
fn an_oversight_or_an_accidental_change_names_the_cause() {
    for (said, want) in [
        (
            "When we set up the log integration, redaction was overlooked, and API keys were written to the logs.",
            "When we set up the log integration, redaction was overlooked, and API keys were written to the logs.",
        ),
        (
            "The two database servers were unexpectedly set up as primary and primary.",
            "The two database servers were unexpectedly set up as primary and primary.",
        ),
    ] {
        let d = doc(vec![p("Logins failed for an hour."), p(said)]);
        assert_eq!(extract_fields(&read_sections(&d)).root_cause.as_deref(), Some(want));
    }
}

/// Each of `said`, told after `opening`, is what `field` reads, word for word.
fn each_is_read_whole(opening: &str, said: &[&str], field: impl Fn(&Fields) -> Option<&str>) {
    for said in said {
        let fields = extract_fields(&read_sections(&doc(vec![p(opening), p(said)])));
        assert_eq!(field(&fields), Some(*said), "{said}");
    }
}

#[test]
fn a_component_that_suffered_a_failure_or_was_hit_by_an_attack_names_the_cause() {
    let said = [
        "At 04:10 the primary queue broker suffered a disk failure and stopped accepting writes.",
        "On Monday the build farm was hit by a credential-stuffing attack.",
        "The ingest workers were starved of memory once the cache doubled in size.",
    ];
    each_is_read_whole("Exports were late for two hours.", &said, |f| f.root_cause.as_deref());
}

#[test]
fn a_reason_given_for_a_decision_is_not_the_cause() {
    let d = doc(vec![
        p("The report archive was offline for most of the day."),
        p(
            "Due to the archive's importance to auditors, the team decided to move it to new storage.",
        ),
    ]);
    assert_eq!(extract_fields(&read_sections(&d)).root_cause, None);
}

#[test]
fn an_accidental_step_or_one_that_could_not_be_taken_is_not_the_fix() {
    let d = doc(vec![
        p("The 2.4.1 release accidentally removed the signing step from the packaging job."),
        p("We could not roll back, because the tool only publishes the newest commit."),
        h(2, "Timeline"),
        li("09:00: users report unsigned installers."),
        li("13:20: 2.4.2 is published, fixing 2.4.1."),
    ]);
    assert_eq!(
        extract_fields(&read_sections(&d)).resolution.as_deref(),
        Some("2.4.2 is published, fixing 2.4.1.")
    );
}

#[test]
fn a_cause_told_only_in_the_lessons_or_the_timeline_is_found_there_as_weak_evidence() {
    let lessons = doc(vec![
        h(2, "What was the issue?"),
        p("Staging logins timed out for half an hour."),
        h(2, "Retrospective"),
        p("This issue occurred because we skipped the policy that the migration guide lists."),
    ]);
    let fields = extract_fields(&read_sections(&lessons));
    assert_eq!(
        fields.root_cause.as_deref(),
        Some("We skipped the policy that the migration guide lists.")
    );
    assert!(fields.root_cause_weak);

    let timeline = doc(vec![
        h(2, "Summary"),
        p("Launches failed for twenty minutes."),
        h(2, "Timeline"),
        h(3, "10:34"),
        p("Launch success drops to 0%."),
        h(3, "10:41"),
        p("One node went down, correlated with a flood of disk-full messages in its logs."),
    ]);
    let fields = extract_fields(&read_sections(&timeline));
    assert!(fields.root_cause.as_deref().is_some_and(|c| c.contains("disk-full messages")));
    assert!(fields.root_cause_weak);
}

#[test]
fn a_root_cause_identified_as_something_is_told_and_one_merely_identified_is_not() {
    for (said, want) in [
        (
            "The root cause was identified as a misconfigured load balancer pool.",
            Some("A misconfigured load balancer pool."),
        ),
        (
            "Root cause of the outage identified as a new release of the config library.",
            Some("A new release of the config library."),
        ),
        (
            "We identified the root cause as an expired intermediate certificate.",
            Some("An expired intermediate certificate."),
        ),
        ("The root cause was identified and fixed within the hour.", None),
        ("We determined that the standby region was not affected.", None),
        (
            "Had the keys been reused elsewhere, the intruders could have caused far wider damage.",
            None,
        ),
    ] {
        let d = doc(vec![p("Checkout failed for forty minutes."), p(said)]);
        assert_eq!(extract_fields(&read_sections(&d)).root_cause.as_deref(), want, "{said}");
    }
}

#[test]
fn what_an_outage_did_and_how_long_it_lasted_is_the_impact() {
    for said in [
        "This caused a service disruption from 14:05 to 15:20 UTC.",
        "Over the weekend the search API has seen some downtime: 40 minutes on Saturday.",
        "This outage affected every mailing list and the mail forwarders.",
        "The registry had several hours of downtime over two days.",
    ] {
        let d = doc(vec![p("A storage node restarted during a kernel update."), p(said)]);
        assert_eq!(extract_fields(&read_sections(&d)).impact.as_deref(), Some(said), "{said}");
    }
}

#[test]
fn a_decision_to_fail_over_is_the_fix_and_a_habit_is_not() {
    let d = doc(vec![
        p("The primary mail relay stopped accepting connections."),
        p(
            "As the disk array could not be rebuilt, the team decided to migrate every list to the standby relay.",
        ),
    ]);
    assert_eq!(
        extract_fields(&read_sections(&d)).resolution.as_deref(),
        Some(
            "As the disk array could not be rebuilt, the team decided to migrate every list to the standby relay."
        )
    );
    let habit = doc(vec![
        p("The job queue backed up for an hour."),
        p(
            "A backlog like this happens on occasion, and the fix is often as simple as draining the queue.",
        ),
    ]);
    assert_eq!(extract_fields(&read_sections(&habit)).resolution, None);
}

#[test]
fn a_rollback_told_around_its_object_is_the_fix() {
    // "rolled <the thing> back" says what "rolled back" says.
    let fix = "We rolled the thumbnail service back at 10:42 and uploads worked from then on.";
    let d =
        doc(vec![p("Image uploads failed for forty minutes after the morning release."), p(fix)]);
    assert_eq!(extract_fields(&read_sections(&d)).resolution.as_deref(), Some(fix));
}

#[test]
fn a_share_of_attempts_told_as_a_fraction_is_what_users_saw() {
    // "About a quarter of …" measures the impact as "25% of …" does, and the report says it
    // first; a later sentence about a job that stopped is the cause's story.
    let seen =
        "For an hour on Friday, about a quarter of sign-in attempts on the mobile app failed.";
    let d = doc(vec![
        p(seen),
        p("The token cache was resized the day before, and its cleanup jobs had stopped running."),
    ]);
    assert_eq!(extract_fields(&read_sections(&d)).impact.as_deref(), Some(seen));
}

#[test]
fn a_service_brought_back_or_running_again_is_the_fix() {
    let fixes = [
        "We brought the two storage racks back in stages after the power returned.",
        "All virtual machines were running again by 09:00.",
        "The app was back at 15:19, after the snapshot was restored.",
    ];
    let opening = "Virtual machines in two racks lost power for three hours.";
    each_is_read_whole(opening, &fixes, |f| f.resolution.as_deref());
}

#[test]
fn whose_data_was_seen_is_what_users_saw_in_a_breach() {
    let seen = "An intruder used a stolen session to view the email addresses of 1,142 customers.";
    let d = doc(vec![
        p("On March 3 our security team detected unusual activity in a support tool."),
        p(seen),
        p("We revoked every support session and notified the affected customers on March 5."),
    ]);
    assert_eq!(extract_fields(&read_sections(&d)).impact.as_deref(), Some(seen));
}

#[test]
fn the_reason_or_what_happened_names_the_cause() {
    let stated = "The reason was that the certificate of our domain had expired.";
    let d = doc(vec![p("Our site was down for two hours yesterday."), p(stated)]);
    assert_eq!(
        extract_fields(&read_sections(&d)).root_cause.as_deref(),
        Some("The certificate of our domain had expired.")
    );
    // "What happened was subtle." points on to the sentence that tells it.
    let told =
        "Overnight, a patch rebooted one queue host and its clock came back seven hours ahead.";
    let d = doc(vec![
        p("Scheduled reports did not run for five hours."),
        p("What had happened was subtle."),
        p(told),
    ]);
    assert_eq!(extract_fields(&read_sections(&d)).root_cause.as_deref(), Some(told));
}

#[test]
fn working_fine_again_is_a_weak_fix() {
    let fix = "A few minutes after the new certificate went live, everything was working fine.";
    let d = doc(vec![p("Users could not log in for two hours."), p(fix)]);
    assert_eq!(extract_fields(&read_sections(&d)).resolution.as_deref(), Some(fix));
}

#[test]
fn a_post_to_its_players_says_who_was_hit_as_you() {
    // "Here's what went down" tells the story; "a lot of you couldn't" is what users saw.
    let seen =
        "A lot of you couldn't log in on Saturday evening, and some were kicked out of matches.";
    let fix = "We added more login servers, and by 9:30 PM things were stable again.";
    let d = doc(vec![p(seen), p("We're really sorry. Here's what went down."), p(fix)]);
    let fields = extract_fields(&read_sections(&d));
    assert_eq!(fields.impact.as_deref(), Some(seen));
    assert_eq!(fields.resolution.as_deref(), Some(fix));
}

#[test]
fn a_timeline_without_a_strong_step_gives_its_first_action_as_the_fix() {
    let d = doc(vec![
        h(2, "Summary"),
        p("Webhook deliveries were delayed by up to 50 minutes."),
        h(2, "Timeline"),
        li("10:52 deploy of version 4.18"),
        li("11:05 queue depth alert fired"),
        li("11:31 we rolled back to version 4.17"),
    ]);
    assert_eq!(
        extract_fields(&read_sections(&d)).resolution.as_deref(),
        Some("11:31 we rolled back to version 4.17")
    );
}

#[test]
fn rejected_cancelled_or_malformed_things_name_a_cause() {
    let opening = "Emails were delayed by up to three hours on Thursday.";
    let d = doc(vec![
        p(opening),
        p(
            "Our provider began rejecting our messages because one of our domains had been added to a blocklist.",
        ),
    ]);
    assert_eq!(
        extract_fields(&read_sections(&d)).root_cause.as_deref(),
        Some("One of our domains had been added to a blocklist.")
    );
    let said = [
        "A configuration push to the edge servers contained a malformed rewrite rule.",
        "The vendor lowered the query timeout to thirty seconds, so every report query was cancelled.",
    ];
    each_is_read_whole(opening, &said[..1], |f| f.root_cause.as_deref());
    let d = doc(vec![p(opening), p(said[1])]);
    assert_eq!(
        extract_fields(&read_sections(&d)).root_cause.as_deref(),
        Some("The vendor lowered the query timeout to thirty seconds")
    );
}
