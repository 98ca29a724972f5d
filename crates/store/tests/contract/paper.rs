//! The paper book's contract, against Postgres and the in-memory fake: an order id is written
//! once, reads are scoped by the user, only a pending order is replaced, a day comes oldest first.

use algo_store::memory::MemoryPaperBook;
use algo_store::ports::{PaperBook, PaperOrder, Side};
use algo_store::postgres::paper::PgPaperBook;
use algo_store::testing;
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use uuid::Uuid;

fn order(user: Uuid, id: &str, tag: &str, status: &str, seconds: i64) -> PaperOrder {
    PaperOrder {
        order_id: format!("PAPER-{id}"),
        user_id: user,
        tag: Some(tag.to_owned()),
        trading_date: NaiveDate::from_ymd_opt(2026, 12, 2).expect("date"),
        tradingsymbol: "TCS".into(),
        exchange: "NSE".into(),
        product: "MIS".into(),
        side: Side::Buy,
        order_type: "MARKET".into(),
        quantity: 5,
        filled_quantity: 0,
        average_price_paise: None,
        price_paise: None,
        trigger_price_paise: None,
        status: status.into(),
        status_message: None,
        placed_at: Utc
            .with_ymd_and_hms(2026, 12, 2, 4, 0, 0)
            .single()
            .expect("instant")
            + Duration::seconds(seconds),
    }
}

async fn contract(book: &dyn PaperBook, user: Uuid, other: Uuid) {
    let first = order(user, "a", "tag-a", "TRIGGER PENDING", 2);
    book.insert(&first).await.expect("insert");
    // The same id again changes nothing.
    book.insert(&PaperOrder {
        quantity: 9,
        ..first.clone()
    })
    .await
    .expect("insert again");
    assert_eq!(
        book.get(user, &first.order_id).await.expect("get"),
        Some(first.clone())
    );
    assert_eq!(
        book.by_tag(user, "tag-a").await.expect("tag"),
        Some(first.clone())
    );
    // Another user sees none of it.
    assert_eq!(book.get(other, &first.order_id).await.expect("get"), None);
    assert_eq!(book.by_tag(other, "tag-a").await.expect("tag"), None);

    // A pending order is replaced; a final one is not.
    let filled = PaperOrder {
        status: "COMPLETE".into(),
        order_type: "MARKET".into(),
        filled_quantity: 5,
        average_price_paise: Some(350_000),
        ..first.clone()
    };
    assert!(book.replace(&filled).await.expect("replace"));
    assert!(!book
        .replace(&PaperOrder {
            status: "CANCELLED".into(),
            ..first.clone()
        })
        .await
        .expect("replace a final one"));
    assert_eq!(
        book.get(user, &first.order_id).await.expect("get"),
        Some(filled.clone())
    );
    assert!(!book
        .replace(&PaperOrder {
            user_id: other,
            ..first.clone()
        })
        .await
        .expect("another user's"));

    // A day, oldest first, only the user's.
    let earlier = order(user, "b", "tag-b", "COMPLETE", 1);
    book.insert(&earlier).await.expect("insert");
    book.insert(&order(other, "c", "tag-c", "COMPLETE", 0))
        .await
        .expect("insert");
    let day = book.of_day(user, first.trading_date).await.expect("day");
    let ids: Vec<&str> = day.iter().map(|o| o.order_id.as_str()).collect();
    assert_eq!(ids, vec!["PAPER-b", "PAPER-a"]);
    assert!(book
        .of_day(user, first.trading_date.succ_opt().expect("date"))
        .await
        .expect("day")
        .is_empty());
}

#[tokio::test]
async fn the_postgres_paper_book_keeps_the_contract() {
    let (pool, _) = testing::fresh_database().await.expect("database");
    let mut users = Vec::new();
    for _ in 0..2 {
        let id = Uuid::new_v4();
        algo_store::postgres::users::insert(
            &pool,
            id,
            &format!("{}@example.com", id.simple()),
            "hash",
        )
        .await
        .expect("user");
        users.push(id);
    }
    contract(&PgPaperBook::new(pool), users[0], users[1]).await;
}

#[tokio::test]
async fn the_in_memory_paper_book_keeps_the_contract() {
    contract(&MemoryPaperBook::new(), Uuid::new_v4(), Uuid::new_v4()).await;
}
