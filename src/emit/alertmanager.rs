//! The Alertmanager configuration: a route per team, matched on the `team` label the rules
//! carry, sending every alert of the team to its Slack channel and each production page to
//! its on-call rotation (`PagerDuty`, by routing key); outside a `business-hours` rotation's
//! hours a page goes to the team's escalation instead. A team without a rotation is paged
//! through its nearest parent that has one. Anything no team route takes goes to the default
//! receiver. Secrets are never inlined: every receiver reads them from a file.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{OutputSet, Target};
use crate::graph::Graph;
use crate::model::Registry;

/// The time interval of `business-hours` rotations.
const BUSINESS_HOURS: &str = "business-hours";
const DEFAULT_RECEIVER: &str = "default";

#[derive(Serialize)]
struct Config<'a> {
    global: Global,
    route: Route,
    receivers: Vec<Receiver>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    time_intervals: Vec<TimeInterval<'a>>,
}

#[derive(Serialize)]
struct Global {
    resolve_timeout: &'static str,
}

#[derive(Default, Serialize)]
struct Route {
    receiver: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    matchers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    group_by: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_wait: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_interval: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repeat_interval: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    active_time_intervals: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    mute_time_intervals: Vec<&'static str>,
    #[serde(rename = "continue", skip_serializing_if = "std::ops::Not::not")]
    continue_matching: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    routes: Vec<Route>,
}

#[derive(Serialize)]
struct Receiver {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    slack_configs: Vec<Slack>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pagerduty_configs: Vec<PagerDuty>,
}

#[derive(Serialize)]
struct Slack {
    api_url_file: String,
    channel: String,
    send_resolved: bool,
}

#[derive(Serialize)]
struct PagerDuty {
    routing_key_file: String,
    send_resolved: bool,
    details: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
struct TimeInterval<'a> {
    name: &'static str,
    time_intervals: Vec<Hours<'a>>,
}

#[derive(Serialize)]
struct Hours<'a> {
    weekdays: Vec<&'a str>,
    times: Vec<Times<'a>>,
    location: &'a str,
}

#[derive(Serialize)]
struct Times<'a> {
    start_time: &'a str,
    end_time: &'a str,
}

/// The name of a team's Slack receiver.
pub(crate) fn slack_receiver(team: &str) -> String {
    format!("{team}-slack")
}

/// The name of a team's on-call receiver.
pub(crate) fn on_call_receiver(team: &str) -> String {
    format!("{team}-on-call")
}

/// The team whose rotation takes `team`'s pages: itself when it has one, else its nearest
/// parent that has one.
fn pager<'a>(registry: &'a Registry, team: &'a str) -> Option<&'a str> {
    let mut seen = BTreeSet::new();
    let mut next = Some(team);
    while let Some(name) = next {
        if !seen.insert(name) {
            return None;
        }
        let found = registry.team(name)?;
        if found.on_call.is_some() {
            return Some(name);
        }
        next = found.parent.as_deref();
    }
    None
}

/// The matchers of a page that must reach a person.
fn page() -> Vec<String> {
    vec![
        "severity=\"page\"".to_owned(),
        "environment=\"production\"".to_owned(),
    ]
}

/// The routes under a team's own: every alert to Slack, then its pages.
fn team_routes(registry: &Registry, team: &str) -> Vec<Route> {
    let mut routes = vec![Route {
        receiver: slack_receiver(team),
        continue_matching: true,
        ..Route::default()
    }];
    let Some(found) = registry.team(team) else {
        return routes;
    };
    let own_hours = found.on_call.as_ref().map(|on_call| on_call.hours.as_str());
    match own_hours {
        Some("business-hours") => {
            routes.push(Route {
                receiver: on_call_receiver(team),
                matchers: page(),
                active_time_intervals: vec![BUSINESS_HOURS],
                continue_matching: true,
                ..Route::default()
            });
            let after_hours = found
                .on_call
                .as_ref()
                .and_then(|on_call| on_call.escalation.as_deref())
                .and_then(|escalation| pager(registry, escalation))
                .or_else(|| {
                    found
                        .parent
                        .as_deref()
                        .and_then(|parent| pager(registry, parent))
                })
                .filter(|other| *other != team);
            if let Some(other) = after_hours {
                routes.push(Route {
                    receiver: on_call_receiver(other),
                    matchers: page(),
                    mute_time_intervals: vec![BUSINESS_HOURS],
                    ..Route::default()
                });
            }
        }
        _ => {
            if let Some(pager) = pager(registry, team) {
                routes.push(Route {
                    receiver: on_call_receiver(pager),
                    matchers: page(),
                    ..Route::default()
                });
            }
        }
    }
    routes
}

pub(super) fn emit(graph: &Graph, outputs: &mut OutputSet) {
    let registry = &graph.registry;
    let alerting = &registry.settings.alerting;
    let secrets = alerting.secrets_dir.trim_end_matches('/');
    let mut receivers = vec![Receiver {
        name: DEFAULT_RECEIVER.to_owned(),
        slack_configs: vec![Slack {
            api_url_file: format!("{secrets}/slack/default.url"),
            channel: alerting.default_channel.clone(),
            send_resolved: true,
        }],
        pagerduty_configs: Vec::new(),
    }];
    let mut routes = Vec::new();
    let mut entities = Vec::new();
    let mut business_hours = false;
    for (id, team) in registry.teams() {
        entities.push(id.clone());
        receivers.push(Receiver {
            name: slack_receiver(&id.name),
            slack_configs: vec![Slack {
                api_url_file: format!("{secrets}/slack/{}.url", id.name),
                channel: team.slack.clone(),
                send_resolved: true,
            }],
            pagerduty_configs: Vec::new(),
        });
        if let Some(on_call) = &team.on_call {
            business_hours |= on_call.hours == BUSINESS_HOURS;
            let mut details = BTreeMap::from([
                ("team", id.name.clone()),
                ("rotation", on_call.rotation.clone()),
                ("hours", on_call.hours.clone()),
            ]);
            if let Some(escalation) = &on_call.escalation {
                details.insert("escalation", escalation.clone());
            }
            receivers.push(Receiver {
                name: on_call_receiver(&id.name),
                slack_configs: Vec::new(),
                pagerduty_configs: vec![PagerDuty {
                    routing_key_file: format!("{secrets}/pagerduty/{}.key", on_call.rotation),
                    send_resolved: true,
                    details,
                }],
            });
        }
        routes.push(Route {
            receiver: slack_receiver(&id.name),
            matchers: vec![format!("team=\"{}\"", id.name)],
            routes: team_routes(registry, &id.name),
            ..Route::default()
        });
    }
    let hours = &alerting.business_hours;
    let config = Config {
        global: Global {
            resolve_timeout: "5m",
        },
        route: Route {
            receiver: DEFAULT_RECEIVER.to_owned(),
            group_by: vec!["alertname", "cluster", "service"],
            group_wait: Some("30s"),
            group_interval: Some("5m"),
            repeat_interval: Some("4h"),
            routes,
            ..Route::default()
        },
        receivers,
        time_intervals: if business_hours {
            vec![TimeInterval {
                name: BUSINESS_HOURS,
                time_intervals: vec![Hours {
                    weekdays: vec![&hours.weekdays],
                    times: vec![Times {
                        start_time: &hours.start,
                        end_time: &hours.end,
                    }],
                    location: &hours.location,
                }],
            }]
        } else {
            Vec::new()
        },
    };
    outputs.add(Target::Alertmanager, super::yaml(&config), entities);
}
