//! Webhooks for the cases, against receivers on loopback that accept, fail and hang: every
//! event sent once to every URL, retries after a doubling wait until the attempts are spent,
//! a timeout that delays a message and loses no case, Slack payloads, the daily digest, and
//! the CLI (`cases evaluate` telling a receiver, `cases list` showing the delivery state).

use crate::common;

use chrono::{Duration as Days, Utc};
use common::dashboard::app;
use common::webhook::{Answer, Receiver};
use returnrisk_tui::cases::deliver::backoff;
use returnrisk_tui::cases::notify::{DeliveryState, Notify, NotifyFormat};
use returnrisk_tui::cases::reconcile::RECOVER_AFTER;
use returnrisk_tui::cases::{CaseState, CaseStore, Transition, evaluation_of};
use returnrisk_tui::engine::Window;
use std::time::Duration;

/// A store holding one case per alert of the demo's last 30 days.
fn store_with_cases() -> (tempfile::TempDir, CaseStore, usize) {
    let a = app();
    let dir = tempfile::tempdir().unwrap();
    let mut s = CaseStore::open_file(&dir.path().join("cases.sqlite")).unwrap();
    let e = evaluation_of(&a.engine, Window::Days(30));
    let r = s.reconcile(&e, RECOVER_AFTER).unwrap();
    (dir, s, r.opened as usize)
}

fn notify(urls: &[&Receiver], attempts: u32, timeout: Duration) -> Notify {
    Notify {
        webhooks: urls.iter().map(|r| r.url.clone()).collect(),
        format: NotifyFormat::Json,
        digest: false,
        attempts,
        timeout,
    }
}

#[test]
fn every_event_reaches_every_webhook_once_and_failures_wait_longer_each_time() {
    let (_d, mut s, n) = store_with_cases();
    let ok = Receiver::start(vec![], Answer::Accept);
    let flaky = Receiver::start(vec![Answer::Fail(500), Answer::Fail(503)], Answer::Accept);
    let cfg = notify(&[&ok, &flaky], 5, Duration::from_secs(5));
    let q = s.queue(&cfg).unwrap();
    assert_eq!(q.events, 2 * n);
    assert_eq!(s.queue(&cfg).unwrap().events, 0, "queued once");
    let t0 = Utc::now();
    let at = |secs: i64| t0 + Days::seconds(secs);
    let sent = s.deliver(&cfg, t0).unwrap();
    // The flaky URL fails once: its other messages wait for its next try.
    assert_eq!((sent.delivered, sent.failed, sent.deferred), (n, 1, n - 1));
    assert!(sent.first_error.unwrap().contains("answered 500"));
    assert_eq!(
        s.deliver(&cfg, t0).unwrap(),
        Default::default(),
        "nothing due"
    );
    // 2 s later the failed one is tried again (503); the rest wait 2 s more.
    let retry = at(backoff(1).as_secs() as i64);
    let sent = s.deliver(&cfg, retry).unwrap();
    assert_eq!((sent.delivered, sent.failed, sent.deferred), (0, 1, n - 1));
    assert_eq!(s.deliver(&cfg, at(4)).unwrap().delivered, n - 1);
    // Its third attempt comes 4 s after its second.
    assert_eq!(s.deliver(&cfg, at(5)).unwrap().delivered, 0);
    assert_eq!(s.deliver(&cfg, at(6)).unwrap().delivered, 1);
    // Each receiver got each case's "opened" exactly once.
    for r in [&ok, &flaky] {
        let mut ids: Vec<i64> = r
            .json()
            .iter()
            .filter(|b| b["event"] == "opened")
            .map(|b| b["case"]["id"].as_i64().unwrap())
            .collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
    assert_eq!(ok.json().len(), n);
    assert_eq!(flaky.json().len(), n + 2, "two retried");
    assert!(
        s.list(None)
            .unwrap()
            .iter()
            .all(|c| c.delivery == Some(DeliveryState::Delivered))
    );

    // An escalation is told, with who did it; a note is not an event.
    s.apply(1, Transition::Escalate, "ana", Some("fraud team"), None)
        .unwrap();
    s.note(1, "ana", "called them").unwrap();
    let sent = s.notify(&cfg).unwrap();
    assert_eq!(sent.delivered, 2);
    let last = ok.json().pop().unwrap();
    assert_eq!(
        (last["event"].as_str(), last["by"].as_str()),
        (Some("escalated"), Some("ana"))
    );
    assert_eq!(last["case"]["state"], "escalated");
}

#[test]
fn a_webhook_that_stays_down_is_given_up_after_its_attempts() {
    let (_d, mut s, n) = store_with_cases();
    let down = Receiver::start(vec![], Answer::Fail(500));
    let cfg = notify(&[&down], 3, Duration::from_secs(5));
    s.queue(&cfg).unwrap();
    let t0 = Utc::now();
    let at = |secs: i64| t0 + Days::seconds(secs);
    let tried = |s: &returnrisk_tui::cases::deliver::Sent| s.delivered + s.failed + s.gave_up;
    // One attempt per round while the URL is down: case 1's message first.
    let sent = s.deliver(&cfg, t0).unwrap();
    assert_eq!((sent.failed, sent.deferred), (1, n - 1));
    // Its second attempt 2 s later, its third 4 s after that; case 2's first in between.
    assert_eq!(s.deliver(&cfg, at(2)).unwrap().failed, 1);
    assert_eq!(
        tried(&s.deliver(&cfg, at(3)).unwrap()),
        0,
        "nothing due at 3 s"
    );
    assert_eq!(s.deliver(&cfg, at(4)).unwrap().failed, 1);
    let sent = s.deliver(&cfg, at(6)).unwrap();
    assert_eq!((sent.gave_up, sent.failed, sent.deferred), (1, 0, n - 1));
    assert_eq!(down.json().len(), 4, "3 attempts for case 1, 1 for case 2");
    let cases = s.list(None).unwrap();
    let of = |id: i64| cases.iter().find(|c| c.id == id).unwrap().delivery;
    assert_eq!(of(1), Some(DeliveryState::GaveUp));
    assert_eq!(of(2), Some(DeliveryState::Failed));
    assert_eq!(of(3), Some(DeliveryState::Pending));
    // The cases themselves are as they were.
    assert!(cases.iter().all(|c| c.state == CaseState::New));
}

#[test]
fn a_webhook_that_hangs_times_out_and_the_cases_go_on() {
    let (_d, mut s, n) = store_with_cases();
    let hang = Receiver::start(vec![Answer::Hang(Duration::from_secs(30))], Answer::Accept);
    let cfg = notify(&[&hang], 4, Duration::from_secs(1));
    s.queue(&cfg).unwrap();
    let t0 = Utc::now();
    let sent = s.deliver(&cfg, t0).unwrap();
    // One timeout, not one per message: the others wait for the next round.
    assert_eq!((sent.failed, sent.delivered, sent.deferred), (1, 0, n - 1));
    let why = sent.first_error.unwrap().to_lowercase();
    assert!(
        why.contains("timeout") || why.contains("timed out"),
        "{why}"
    );
    // A person works a case meanwhile; the delayed messages go out on the retry.
    s.apply(2, Transition::Acknowledge, "bo", None, None)
        .unwrap();
    assert_eq!(s.deliver(&cfg, t0 + Days::seconds(2)).unwrap().delivered, n);
    assert_eq!(s.case(2).unwrap().state, CaseState::Acknowledged);
}

#[test]
fn slack_gets_text_and_the_digest_comes_once_a_day() {
    let (_d, mut s, n) = store_with_cases();
    let slack = Receiver::start(vec![], Answer::Accept);
    let cfg = Notify {
        format: NotifyFormat::Slack,
        digest: true,
        ..notify(&[&slack], 3, Duration::from_secs(5))
    };
    let q = s.queue(&cfg).unwrap();
    assert_eq!((q.events, q.digests), (n, 1));
    assert_eq!(s.queue(&cfg).unwrap().digests, 0, "one digest a day");
    s.deliver(&cfg, Utc::now()).unwrap();
    let bodies = slack.json();
    assert_eq!(bodies.len(), n + 1);
    for b in &bodies {
        let keys: Vec<&String> = b.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["text"]);
    }
    let digest = bodies
        .iter()
        .find(|b| b["text"].as_str().unwrap().contains("cases on "))
        .unwrap();
    let text = digest["text"].as_str().unwrap();
    assert!(
        text.starts_with(&format!(
            "[returnrisk] cases on {}: {n} new",
            Utc::now().date_naive()
        )),
        "{text}"
    );
    assert!(bodies.iter().any(|b| {
        b["text"]
            .as_str()
            .unwrap()
            .starts_with("[returnrisk] case #1 opened: ")
    }));
}

#[test]
fn the_cli_tells_the_webhook_and_lists_the_delivery_state() {
    let dir = common::trained_copy();
    let hook = Receiver::start(vec![], Answer::Accept);
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, format!("[notify]\nwebhooks = [\"{}\"]\n", hook.url)).unwrap();
    let data = common::p(dir.path());
    let c = common::p(&cfg);
    let out = common::run_on(data, &["cases", "evaluate", "--config", c]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    let opened = common::json(&["cases", "list", "--format", "json", "--data", data]);
    let cases = opened.as_array().unwrap();
    assert_eq!(hook.json().len(), cases.len());
    assert!(
        cases.iter().all(|c| c["delivery"] == "delivered"),
        "{opened}"
    );
    let table = common::stdout(&common::run_on(data, &["cases", "list"]));
    assert!(
        table.lines().next().unwrap().ends_with("notified"),
        "{table}"
    );
    // Nothing more is due.
    let round = common::json(&["cases", "notify", "--config", c, "--data", data]);
    assert_eq!(round["sent"]["delivered"], 0);
    // A URL that is not one is an error naming the key.
    std::fs::write(&cfg, "[notify]\nwebhooks = [\"hooks.example.com\"]\n").unwrap();
    let out = common::run_on(data, &["cases", "notify", "--config", c]);
    assert_eq!(out.status.code(), Some(1));
    let err = common::stderr(&out);
    assert!(
        err.contains("notify.webhooks[0]: \"hooks.example.com\" is not an http"),
        "{err}"
    );
}
