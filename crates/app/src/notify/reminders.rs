//! Reminders no order causes: "log in to Kite" before the day's first buy, when the trader's
//! session for today is missing. Written once per user and trading day (the source key), so a
//! pass every few seconds tells them once.

use algo_core::notify::NoticeKind;
use algo_core::{Clock, TradingCalendar, IST};
use algo_store::ports::NewNotification;
use algo_store::postgres::{broker_keys, notifications, strategies, PgPool};
use algo_store::StoreError;
use chrono::Duration;

use crate::broker::session::SessionState;

/// How long before a user's first buy of the day the reminder goes out (or at once, when the
/// first buy is nearer than this).
pub const LOGIN_LEAD: Duration = Duration::minutes(30);

/// Writes today's "log in to Kite" notice for each user with a running strategy still to buy
/// today within [`LOGIN_LEAD`] and no live Kite session. How many it wrote.
pub async fn login_needed(
    pg: &PgPool,
    calendar: &TradingCalendar,
    clock: &dyn Clock,
) -> Result<usize, StoreError> {
    let now = clock.now();
    let today = TradingCalendar::trading_date(now);
    let time_now = now.with_timezone(&IST).time();
    let mut first_buy: std::collections::BTreeMap<uuid::Uuid, chrono::NaiveTime> =
        Default::default();
    for row in strategies::all_running(pg).await? {
        let spec = &row.spec;
        let Some(session) = calendar.session_of(today, spec.exchange) else {
            continue;
        };
        if !session.contains(spec.buy_time) || spec.buy_time < time_now {
            continue;
        }
        let first = first_buy.entry(row.user_id).or_insert(spec.buy_time);
        *first = (*first).min(spec.buy_time);
    }
    let mut written = 0;
    for (user, buy_time) in first_buy {
        let at = TradingCalendar::instant(today, buy_time);
        if at - now > LOGIN_LEAD {
            continue;
        }
        let row = broker_keys::get(pg, user).await?;
        if matches!(
            SessionState::of(row.as_ref(), now),
            SessionState::Live { .. }
        ) {
            continue;
        }
        let source = format!("login:{user}:{today}");
        let body = format!(
            "Today's first buy is at {} IST and Kite has no session for today. Open the app and tap \"Log in to Kite\"; the buy waits for the login.",
            buy_time.format("%H:%M")
        );
        let data = serde_json::json!({ "trading_date": today, "first_buy": buy_time.format("%H:%M:%S").to_string() });
        let notice = NewNotification {
            user_id: user,
            strategy_id: None,
            kind: NoticeKind::LoginNeeded.as_str(),
            source_key: &source,
            title: "Log in to Kite",
            body: &body,
            data: &data,
            at: now,
        };
        if notifications::insert_one(pg, &notice).await? {
            tracing::info!(event_type = "login_reminder", user_id = %user, "told the trader to log in to Kite");
            written += 1;
        }
    }
    Ok(written)
}

/// How long after the NSE close the day's summary goes out.
pub const SUMMARY_AFTER_CLOSE: Duration = Duration::minutes(15);

/// After the close of a trading day, one summary per user who traded: each strategy's realised
/// P&L, the day's total, and anything still open. How many it wrote.
pub async fn daily_summary(
    pg: &PgPool,
    calendar: &TradingCalendar,
    clock: &dyn Clock,
) -> Result<usize, StoreError> {
    use algo_core::notify::signed_rupees;
    use algo_store::postgres::order_logs;

    let now = clock.now();
    let today = TradingCalendar::trading_date(now);
    let Some(session) = calendar.session(today) else {
        return Ok(0);
    };
    if now < TradingCalendar::instant(today, session.close) + SUMMARY_AFTER_CLOSE {
        return Ok(0);
    }
    let mut written = 0;
    for user in order_logs::users_to_summarise(pg, today).await? {
        let fills = order_logs::fills(pg, user, None, today, today).await?;
        let by_strategy = crate::http::pnl::days(&fills);
        let paper_days = crate::http::pnl::paper_days(&fills);
        let mut lines = Vec::new();
        let mut paper_lines = Vec::new();
        let mut total = 0;
        let mut open = Vec::new();
        for (key, day) in by_strategy {
            let symbol = strategies::get_for_executor(pg, key.1)
                .await?
                .map(|r| r.spec.symbol.to_string())
                .unwrap_or_else(|| "a deleted strategy".into());
            if paper_days.contains(&key) {
                // Told apart, and never counted in the day's money.
                paper_lines.push(format!("{} on {symbol}", signed_rupees(day.realised_paise)));
                continue;
            }
            total += day.realised_paise;
            lines.push(format!("{} on {symbol}", signed_rupees(day.realised_paise)));
            if day.open > 0 {
                open.push(format!("{} {symbol}", day.open));
            }
        }
        let mut body = if lines.is_empty() {
            "No real trades today.".to_owned()
        } else {
            format!(
                "Realised P&L today: {} ({}).",
                signed_rupees(total),
                lines.join(", ")
            )
        };
        if !open.is_empty() {
            body.push_str(&format!(
                " Still open through the app: {}; check them in Kite.",
                open.join(", ")
            ));
        }
        if !paper_lines.is_empty() {
            body.push_str(&format!(
                " Paper (simulated, not in the total): {}.",
                paper_lines.join(", ")
            ));
        }
        let source = format!("summary:{user}:{today}");
        let data = serde_json::json!({ "trading_date": today, "pnl_paise": total });
        let notice = NewNotification {
            user_id: user,
            strategy_id: None,
            kind: NoticeKind::DailySummary.as_str(),
            source_key: &source,
            title: "Today's result",
            body: &body,
            data: &data,
            at: now,
        };
        if notifications::insert_one(pg, &notice).await? {
            written += 1;
        }
    }
    Ok(written)
}
