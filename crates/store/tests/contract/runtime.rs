//! The runtime-cache contract, against Redis and the in-memory fake.

use algo_core::Position;
use algo_store::memory::MemoryRuntime;
use algo_store::ports::{EntryFill, Runtime, RuntimeCache, RuntimeUpdate};
use algo_store::redis::runtime::RedisRuntime;
use algo_store::testing;
use chrono::NaiveDate;
use uuid::Uuid;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, d).expect("date")
}

fn update(position: Position, date: NaiveDate) -> RuntimeUpdate<'static> {
    RuntimeUpdate {
        position,
        trading_date: date,
        buy_order: None,
        sell_order: None,
        entry: None,
    }
}

async fn contract(cache: &dyn RuntimeCache) {
    let (id, other) = (Uuid::new_v4(), Uuid::new_v4());
    assert_eq!(
        cache.get(id).await.expect("get"),
        Runtime::default(),
        "never written"
    );
    cache
        .record(
            id,
            &RuntimeUpdate {
                buy_order: Some("buy-1"),
                entry: Some(EntryFill {
                    tradingsymbol: "TCS",
                    exchange: "NSE",
                    average_paise: Some(350_005),
                }),
                ..update(Position::Bought, day(7))
            },
        )
        .await
        .expect("record");
    cache
        .record(
            id,
            &RuntimeUpdate {
                sell_order: Some("sell-1"),
                ..update(Position::Sold, day(7))
            },
        )
        .await
        .expect("record");
    let read = cache.get(id).await.expect("get");
    assert_eq!(
        read,
        Runtime {
            position: Position::Sold,
            trading_date: Some(day(7)),
            last_price_paise: None,
            last_buy_order: Some("buy-1".into()),
            last_sell_order: Some("sell-1".into()),
            entry_price_paise: Some(350_005),
            trail_stop_paise: None,
        },
        "an exit's write keeps the entry's order and price"
    );
    cache
        .record(id, &update(Position::Buying, day(8)))
        .await
        .expect("record");
    let next_day = cache.get(id).await.expect("get");
    assert_eq!(
        (
            next_day.position,
            next_day.trading_date,
            next_day.entry_price_paise
        ),
        (Position::Buying, Some(day(8)), None),
        "a new entry forgets the last entry's price"
    );
    assert_eq!(
        cache.get(other).await.expect("get"),
        Runtime::default(),
        "nothing shared"
    );
}

#[tokio::test]
async fn the_redis_runtime_cache_keeps_the_contract() {
    contract(&RedisRuntime::new(testing::fresh_redis().expect("redis"))).await;
}

#[tokio::test]
async fn the_in_memory_runtime_cache_keeps_the_contract() {
    contract(&MemoryRuntime::new()).await;
}
