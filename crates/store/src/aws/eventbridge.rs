//! The AWS timers: two EventBridge Scheduler schedules per running strategy (buy and sell),
//! daily cron in `Asia/Kolkata`, firing one minute early into the SQS FIFO queue.
//!
//! EventBridge fires within its minute, so each schedule fires at the minute before the order's
//! time and puts a [`TimerFired`] on the queue carrying `<aws.scheduler.scheduled-time>`; the
//! executor turns it into the day's event and waits for the exact second. The cron runs every
//! day and the executor drops non-trading days, so special weekend sessions are not missed.

use algo_core::{EventKind, TimerFired};
use async_trait::async_trait;
use aws_sdk_scheduler::types::{
    DeadLetterConfig, FlexibleTimeWindow, FlexibleTimeWindowMode, RetryPolicy, SqsParameters,
    Target,
};
use chrono::{NaiveTime, Timelike};
use uuid::Uuid;

use crate::ports::Scheduler;
use crate::postgres::strategies::StrategyRow;

/// Where schedules go and how they reach the queue.
#[derive(Debug, Clone)]
pub struct EventBridgeConfig {
    pub group: String,
    pub queue_arn: String,
    pub role_arn: String,
    pub dead_letter_arn: Option<String>,
}

#[derive(Debug, Clone)]
pub struct EventBridgeScheduler {
    client: aws_sdk_scheduler::Client,
    config: EventBridgeConfig,
}

/// The schedule's name for one leg of a strategy.
pub fn schedule_name(strategy_id: Uuid, event: EventKind) -> String {
    format!("{strategy_id}-{}", event.as_str().to_ascii_lowercase())
}

/// The cron expression that fires in the minute before `time` (IST), every day.
pub fn cron_one_minute_early(time: NaiveTime) -> String {
    let minute_of_day = (time.hour() * 60 + time.minute() + 24 * 60 - 1) % (24 * 60);
    format!(
        "cron({} {} * * ? *)",
        minute_of_day % 60,
        minute_of_day / 60
    )
}

impl EventBridgeScheduler {
    pub fn new(sdk: &aws_config::SdkConfig, config: EventBridgeConfig) -> Self {
        Self {
            client: aws_sdk_scheduler::Client::new(sdk),
            config,
        }
    }

    pub fn client(&self) -> &aws_sdk_scheduler::Client {
        &self.client
    }

    fn target(
        &self,
        strategy: &StrategyRow,
        event: EventKind,
        time: NaiveTime,
    ) -> Result<Target, String> {
        let input = TimerFired {
            strategy_id: strategy.id,
            event,
            time_of_day: time.format("%H:%M:%S").to_string(),
            fired_at: "<aws.scheduler.scheduled-time>".into(),
        };
        let mut target = Target::builder()
            .arn(&self.config.queue_arn)
            .role_arn(&self.config.role_arn)
            .input(serde_json::to_string(&input).map_err(|e| e.to_string())?)
            .sqs_parameters(
                SqsParameters::builder()
                    .message_group_id(strategy.id.to_string())
                    .build(),
            )
            // A fire that cannot be delivered within two minutes is too late to trade on.
            .retry_policy(
                RetryPolicy::builder()
                    .maximum_retry_attempts(5)
                    .maximum_event_age_in_seconds(120)
                    .build(),
            );
        if let Some(dlq) = &self.config.dead_letter_arn {
            target = target.dead_letter_config(DeadLetterConfig::builder().arn(dlq).build());
        }
        target.build().map_err(|e| e.to_string())
    }
}

#[async_trait]
impl Scheduler for EventBridgeScheduler {
    async fn arm(&self, strategy: &StrategyRow) -> Result<(), String> {
        for (event, time) in [
            (EventKind::Buy, strategy.spec.buy_time),
            (EventKind::Sell, strategy.spec.sell_time),
        ] {
            let name = schedule_name(strategy.id, event);
            let target = self.target(strategy, event, time)?;
            let window = FlexibleTimeWindow::builder()
                .mode(FlexibleTimeWindowMode::Off)
                .build()
                .map_err(|e| e.to_string())?;
            let created = self
                .client
                .create_schedule()
                .name(&name)
                .group_name(&self.config.group)
                .schedule_expression(cron_one_minute_early(time))
                .schedule_expression_timezone("Asia/Kolkata")
                .flexible_time_window(window.clone())
                .target(target.clone())
                .send()
                .await;
            match created {
                Ok(_) => {}
                // Already there (a restart, a second start): make it match.
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|se| se.is_conflict_exception()) =>
                {
                    self.client
                        .update_schedule()
                        .name(&name)
                        .group_name(&self.config.group)
                        .schedule_expression(cron_one_minute_early(time))
                        .schedule_expression_timezone("Asia/Kolkata")
                        .flexible_time_window(window)
                        .target(target)
                        .send()
                        .await
                        .map_err(|e| {
                            aws_sdk_scheduler::error::DisplayErrorContext(e).to_string()
                        })?;
                }
                Err(e) => return Err(aws_sdk_scheduler::error::DisplayErrorContext(e).to_string()),
            }
        }
        Ok(())
    }

    async fn disarm(&self, strategy_id: Uuid) -> Result<(), String> {
        for event in [EventKind::Buy, EventKind::Sell] {
            let deleted = self
                .client
                .delete_schedule()
                .name(schedule_name(strategy_id, event))
                .group_name(&self.config.group)
                .send()
                .await;
            match deleted {
                Ok(_) => {}
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|se| se.is_resource_not_found_exception()) => {}
                Err(e) => return Err(aws_sdk_scheduler::error::DisplayErrorContext(e).to_string()),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fires_in_the_minute_before() {
        let t = |h, m, s| NaiveTime::from_hms_opt(h, m, s).expect("time");
        assert_eq!(cron_one_minute_early(t(9, 30, 0)), "cron(29 9 * * ? *)");
        assert_eq!(cron_one_minute_early(t(9, 30, 45)), "cron(29 9 * * ? *)");
        assert_eq!(cron_one_minute_early(t(15, 0, 0)), "cron(59 14 * * ? *)");
        assert_eq!(cron_one_minute_early(t(0, 0, 30)), "cron(59 23 * * ? *)");
    }
}
