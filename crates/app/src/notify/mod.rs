//! Notifications leave the outbox: the in-app list reads the `notifications` table itself;
//! [`PushWorker`] dispatches each new one to its user's devices and sends it through Expo,
//! with retries, away from the order path (a slow or dead Expo never delays an order).
//!
//! One pass ([`PushWorker::run_once`]): write the day's login reminders and, after the close,
//! the daily summary ([`reminders`]), dispatch new notifications into deliveries, send the
//! due ones in batches of [`expo::MAX_BATCH`], then read the receipts that are due. A
//! delivery that fails for a passing reason (network, 429, 5xx) is tried again after
//! 2^attempts seconds (at most 5 minutes), up to [`MAX_ATTEMPTS`]; `DeviceNotRegistered`, in a
//! ticket or a receipt, forgets the token.

pub mod expo;
pub mod reminders;
pub mod telegram;

use std::sync::Arc;
use std::time::Duration;

use algo_core::Clock;
use algo_store::postgres::{push, PgPool};
use algo_store::StoreError;
use tokio_util::sync::CancellationToken;

use expo::{Answer, ExpoPush, Message, PushError};
use telegram::{Telegram, TelegramError};

/// A delivery is given up after this many tries.
pub const MAX_ATTEMPTS: i32 = 8;

/// How the push worker paces itself.
#[derive(Debug, Clone)]
pub struct PushConfig {
    /// Between passes.
    pub every: Duration,
    /// A claimed delivery is another sender's again after this (a crashed sender's).
    pub lease: Duration,
    /// Receipts are read this long after the send (Expo: allow up to 30 minutes).
    pub receipt_after: Duration,
}

impl Default for PushConfig {
    fn default() -> Self {
        Self {
            every: Duration::from_secs(2),
            lease: Duration::from_secs(60),
            receipt_after: Duration::from_secs(15 * 60),
        }
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    pub dispatched: u64,
    pub sent: usize,
    pub retried: usize,
    pub dropped: usize,
}

pub struct PushWorker {
    pub pg: PgPool,
    /// For the login reminder: which days trade, and when.
    pub calendar: Arc<algo_core::TradingCalendar>,
    pub expo: ExpoPush,
    /// The bot, when `ALGO_TELEGRAM_BOT_TOKEN` is set: it links chats and sends to them.
    pub telegram: Option<Telegram>,
    pub clock: Arc<dyn Clock>,
    pub config: PushConfig,
}

fn backoff(attempts: i32) -> chrono::Duration {
    let secs = 1_i64 << attempts.clamp(0, 8);
    chrono::Duration::seconds(secs.min(300))
}

impl PushWorker {
    /// The sender as `config` sets it up (Expo's URL and access token, the Telegram bot when
    /// its token is set), for either profile.
    pub fn from_config(
        config: &crate::config::Config,
        pg: PgPool,
        calendar: Arc<algo_core::TradingCalendar>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, String> {
        Ok(Self {
            pg,
            calendar,
            expo: expo::ExpoPush::new(
                &config.expo_push_url,
                config
                    .expo_access_token
                    .as_ref()
                    .map(|t| String::from_utf8_lossy(&t.0).into_owned()),
                Duration::from_secs(10),
            )?,
            telegram: match &config.telegram_bot_token {
                Some(token) => Some(telegram::Telegram::new(
                    &config.telegram_api_url,
                    &String::from_utf8_lossy(&token.0),
                    Duration::from_secs(10),
                )?),
                None => None,
            },
            clock,
            config: PushConfig {
                every: config.push_every,
                ..PushConfig::default()
            },
        })
    }

    pub async fn run_once(&self) -> Result<Pass, StoreError> {
        let now = self.clock.now();
        reminders::login_needed(&self.pg, &self.calendar, self.clock.as_ref()).await?;
        reminders::daily_summary(&self.pg, &self.calendar, self.clock.as_ref()).await?;
        let mut pass = Pass {
            dispatched: push::expand(&self.pg, now, 500).await?,
            ..Pass::default()
        };
        let lease = chrono::Duration::from_std(self.config.lease).unwrap_or(chrono::Duration::MAX);
        loop {
            let due = push::claim_due(&self.pg, now, lease, expo::MAX_BATCH as i64).await?;
            if due.is_empty() {
                break;
            }
            let messages: Vec<Message> = due
                .iter()
                .map(|d| Message {
                    to: d.target.clone(),
                    title: d.title.clone(),
                    body: d.body.clone(),
                    data: d.data.clone(),
                    sound: "default",
                })
                .collect();
            match self.expo.send(&messages).await {
                Ok(answers) => {
                    for (d, answer) in due.iter().zip(answers) {
                        match answer {
                            Answer::Ok(ticket) => {
                                push::sent(&self.pg, d.id, ticket.as_deref(), self.clock.now())
                                    .await?;
                                pass.sent += 1;
                            }
                            Answer::DeviceNotRegistered(why) => {
                                tracing::info!(event_type = "push_device_dropped", reason = %why, "Expo: DeviceNotRegistered; the token is forgotten");
                                push::drop_device(&self.pg, &d.target, &why).await?;
                                pass.dropped += 1;
                            }
                            Answer::Error(why) => {
                                self.retry(d, &why, &mut pass).await?;
                            }
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(event_type = "push_unavailable", error = %e, count = due.len(), "push not sent; retrying later");
                    for d in &due {
                        self.retry(d, &e.to_string(), &mut pass).await?;
                    }
                    if matches!(e, PushError::Transient(_)) {
                        break;
                    }
                }
            }
        }
        self.read_receipts(now).await?;
        if let Some(bot) = &self.telegram {
            self.link_chats(bot).await?;
            self.send_telegram(bot, now, &mut pass).await?;
        }
        Ok(pass)
    }

    /// Reads the bot's new messages: a `/start <code>` links that chat to the code's user.
    async fn link_chats(&self, bot: &Telegram) -> Result<(), StoreError> {
        let offset = push::telegram_offset(&self.pg).await?;
        let updates = match bot.updates(offset).await {
            Ok(u) => u,
            Err(e) => {
                tracing::warn!(error = %e, "Telegram updates unavailable; trying again next pass");
                return Ok(());
            }
        };
        let mut next = offset;
        for update in updates {
            next = next.max(update.update_id + 1);
            let Some(message) = update.message else {
                continue;
            };
            let chat = message.chat.id;
            let reply = match message.text.as_deref().and_then(telegram::start_code) {
                Some(code) => match push::link_telegram(&self.pg, code, chat, self.clock.now()).await? {
                    Some(_) => {
                        tracing::info!(event_type = "telegram_linked", "a Telegram chat was linked");
                        "Linked. Your strategies' fills, stop-losses and refusals will be sent here."
                    }
                    None => "This link has expired or was used already. Open Telegram from the app again.",
                },
                None => "Open this bot from the app (Settings, Telegram) to link your account.",
            };
            if let Err(e) = bot.send_message(chat, reply).await {
                tracing::warn!(error = %e, "Telegram reply not sent");
            }
        }
        if next != offset {
            push::set_telegram_offset(&self.pg, next).await?;
        }
        Ok(())
    }

    async fn send_telegram(
        &self,
        bot: &Telegram,
        now: chrono::DateTime<chrono::Utc>,
        pass: &mut Pass,
    ) -> Result<(), StoreError> {
        let lease = chrono::Duration::from_std(self.config.lease).unwrap_or(chrono::Duration::MAX);
        let due = push::claim_due_on(&self.pg, "telegram", now, lease, 50).await?;
        for d in &due {
            let Ok(chat) = d.target.parse::<i64>() else {
                push::retry(&self.pg, d.id, "not a chat id", None).await?;
                continue;
            };
            match bot
                .send_message(chat, &format!("{}\n{}", d.title, d.body))
                .await
            {
                Ok(()) => {
                    push::sent(&self.pg, d.id, None, self.clock.now()).await?;
                    pass.sent += 1;
                }
                Err(TelegramError::ChatGone(why)) => {
                    tracing::info!(event_type = "telegram_unlinked", reason = %why, "the chat is gone; unlinked");
                    push::unlink_telegram(&self.pg, None, Some(chat), &why).await?;
                    pass.dropped += 1;
                }
                Err(TelegramError::Transient(why, retry_after)) => {
                    let at =
                        retry_after.map(|s| self.clock.now() + chrono::Duration::seconds(s as i64));
                    match at {
                        Some(at) => {
                            push::retry(&self.pg, d.id, &why, Some(at)).await?;
                            pass.retried += 1;
                        }
                        None => self.retry(d, &why, pass).await?,
                    }
                }
                Err(TelegramError::Refused(why)) => self.retry(d, &why, pass).await?,
            }
        }
        Ok(())
    }

    async fn retry(&self, d: &push::Due, why: &str, pass: &mut Pass) -> Result<(), StoreError> {
        let attempts = d.attempts + 1;
        let next = (attempts < MAX_ATTEMPTS).then(|| self.clock.now() + backoff(attempts));
        if next.is_none() {
            tracing::error!(event_type = "push_failed", attempts, reason = %why, "push given up");
        }
        push::retry(&self.pg, d.id, why, next).await?;
        pass.retried += 1;
        Ok(())
    }

    async fn read_receipts(&self, now: chrono::DateTime<chrono::Utc>) -> Result<(), StoreError> {
        let after = chrono::Duration::from_std(self.config.receipt_after).unwrap_or_default();
        let due = push::receipts_due(&self.pg, now - after, expo::MAX_BATCH as i64).await?;
        if due.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = due.iter().map(|(_, ticket, _)| ticket.clone()).collect();
        let receipts = match self.expo.receipts(&ids).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "push receipts unavailable; trying again next pass");
                return Ok(());
            }
        };
        for (id, ticket, token) in due {
            match receipts.get(&ticket) {
                None => {}
                Some(Answer::Ok(_)) => push::receipt_checked(&self.pg, id, None).await?,
                Some(Answer::DeviceNotRegistered(why)) => {
                    tracing::info!(event_type = "push_device_dropped", reason = %why, "Expo receipt: DeviceNotRegistered; the token is forgotten");
                    push::drop_device(&self.pg, &token, why).await?;
                    push::receipt_checked(&self.pg, id, Some(why)).await?;
                }
                Some(Answer::Error(why)) => {
                    tracing::warn!(event_type = "push_receipt_error", reason = %why, "Expo could not deliver a push");
                    push::receipt_checked(&self.pg, id, Some(why)).await?;
                }
            }
        }
        Ok(())
    }

    /// Passes every [`PushConfig::every`] until `shutdown`.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken) {
        loop {
            if let Err(e) = self.run_once().await {
                tracing::warn!(error = %e, "push pass failed; trying again");
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(self.config.every) => {}
            }
        }
    }
}
