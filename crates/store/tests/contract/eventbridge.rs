//! The EventBridge Scheduler adapter on the AWS emulator: schedules are created as the design
//! says, replaced on a second arm, and removed on disarm.

use algo_core::strategy::{StrategyDraft, StrategyRules};
use algo_core::EventKind;
use algo_store::aws::eventbridge::{schedule_name, EventBridgeConfig, EventBridgeScheduler};
use algo_store::ports::Scheduler;
use algo_store::postgres::strategies::{Status, StrategyRow};
use chrono::Utc;
use uuid::Uuid;

use crate::aws_env;

fn strategy() -> StrategyRow {
    let spec = StrategyDraft {
        symbol: Some("TCS".into()),
        buy_time: Some("09:30:00".into()),
        sell_time: Some("15:10:00".into()),
        stop_loss: Some("3500".into()),
        quantity: Some(1),
        ..Default::default()
    }
    .parse(&StrategyRules::nse())
    .expect("valid");
    StrategyRow {
        id: Uuid::new_v4(),
        user_id: Uuid::new_v4(),
        spec,
        status: Status::Running,
        failure_reason: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
    }
}

#[tokio::test]
async fn arm_creates_two_early_ist_schedules_into_the_fifo_queue_and_disarm_removes_them() {
    let config = aws_env::config().await;
    let group = aws_env::unique("algo");
    let client = aws_sdk_scheduler::Client::new(&config);
    client
        .create_schedule_group()
        .name(&group)
        .send()
        .await
        .expect("schedule group on the AWS emulator");
    let scheduler = EventBridgeScheduler::new(
        &config,
        EventBridgeConfig {
            group: group.clone(),
            queue_arn: "arn:aws:sqs:ap-south-1:123456789012:orders.fifo".into(),
            role_arn: "arn:aws:iam::123456789012:role/scheduler".into(),
            dead_letter_arn: Some("arn:aws:sqs:ap-south-1:123456789012:scheduler-dlq".into()),
        },
    );
    let s = strategy();
    scheduler.arm(&s).await.expect("arm");
    scheduler.arm(&s).await.expect("arming again is idempotent");
    let buy = client
        .get_schedule()
        .group_name(&group)
        .name(schedule_name(s.id, EventKind::Buy))
        .send()
        .await
        .expect("buy schedule");
    assert_eq!(buy.schedule_expression(), Some("cron(29 9 * * ? *)"));
    assert_eq!(buy.schedule_expression_timezone(), Some("Asia/Kolkata"));
    let target = buy.target().expect("target");
    assert_eq!(
        target.arn(),
        "arn:aws:sqs:ap-south-1:123456789012:orders.fifo"
    );
    assert_eq!(
        target.sqs_parameters().and_then(|p| p.message_group_id()),
        Some(s.id.to_string().as_str())
    );
    let input: serde_json::Value =
        serde_json::from_str(target.input().expect("input")).expect("json input");
    assert_eq!(input["event"], "BUY");
    assert_eq!(input["time_of_day"], "09:30:00");
    assert_eq!(input["fired_at"], "<aws.scheduler.scheduled-time>");
    let sell = client
        .get_schedule()
        .group_name(&group)
        .name(schedule_name(s.id, EventKind::Sell))
        .send()
        .await
        .expect("sell schedule");
    assert_eq!(sell.schedule_expression(), Some("cron(9 15 * * ? *)"));
    scheduler.disarm(s.id).await.expect("disarm");
    scheduler
        .disarm(s.id)
        .await
        .expect("disarming again is idempotent");
    assert!(client
        .get_schedule()
        .group_name(&group)
        .name(schedule_name(s.id, EventKind::Buy))
        .send()
        .await
        .is_err());
}
