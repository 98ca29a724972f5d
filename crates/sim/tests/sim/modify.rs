//! `PUT /orders/regular/{id}`: modifying working orders, through the Kite client.

use algo_kite::types::OrderState;
use algo_kite::{MarketProtection, ModifyRequest, OrderType, TransactionType};
use serde_json::json;

use crate::helpers::*;

fn limit(price_paise: i64) -> algo_kite::OrderRequest {
    algo_kite::OrderRequest {
        order_type: OrderType::Limit,
        price_paise: Some(price_paise),
        market_protection: MarketProtection::Automatic,
        ..market_request("TCS", TransactionType::Buy, 2)
    }
}

#[tokio::test]
async fn a_modified_limit_is_recorded_announced_and_matched_again() {
    let sim = frozen_sim().await;
    let client = kite_client(&sim);
    let mut ws = connect(&sim, "sim_key", "sim_token").await;
    let id = client.place_order(&limit(340_000)).await.expect("placed");
    order_update(&mut ws, &id, "OPEN").await;
    // Still below the last price (3500): open again, with the new quantity and price.
    let answer = client
        .modify_order(
            &id,
            &ModifyRequest {
                quantity: Some(3),
                price_paise: Some(345_005),
                ..ModifyRequest::default()
            },
        )
        .await
        .expect("modified");
    assert_eq!(answer, id);
    let update = order_update(&mut ws, &id, "OPEN").await;
    assert_eq!(
        (
            update["quantity"].clone(),
            update["price"].clone(),
            update["modified"].clone()
        ),
        (json!(3), json!(3450.05), json!(true))
    );
    let history = client.order_history(&id).await.expect("history");
    let statuses: Vec<&str> = history.iter().map(|o| o.status.as_str()).collect();
    assert_eq!(
        statuses[3..],
        [
            "OPEN",
            "MODIFY VALIDATION PENDING",
            "MODIFY PENDING",
            "MODIFIED",
            "OPEN"
        ]
    );
    // Modified to cross the last price: it fills at once, at the last price.
    client
        .modify_order(
            &id,
            &ModifyRequest {
                price_paise: Some(360_000),
                ..ModifyRequest::default()
            },
        )
        .await
        .expect("modified");
    let done = order_update(&mut ws, &id, "COMPLETE").await;
    assert_eq!(
        (
            done["filled_quantity"].clone(),
            done["average_price"].clone()
        ),
        (json!(3), json!(3500))
    );
    // A complete order cannot be modified; an unknown one is not found.
    let late = client
        .modify_order(
            &id,
            &ModifyRequest {
                quantity: Some(4),
                ..ModifyRequest::default()
            },
        )
        .await
        .expect_err("complete");
    assert!(!late.is_not_found() && !late.is_retryable(), "{late:?}");
    let unknown = client
        .modify_order("999999999999999", &ModifyRequest::default())
        .await
        .expect_err("unknown");
    assert!(unknown.is_not_found(), "{unknown:?}");
}

#[tokio::test]
async fn a_stop_is_modified_in_trigger_pending_and_bad_changes_are_refused() {
    let sim = frozen_sim().await;
    let client = kite_client(&sim);
    let stop = algo_kite::OrderRequest {
        order_type: OrderType::SlM,
        trigger_price_paise: Some(340_000),
        ..market_request("TCS", TransactionType::Sell, 2)
    };
    let id = client.place_order(&stop).await.expect("placed");
    client
        .modify_order(
            &id,
            &ModifyRequest {
                trigger_price_paise: Some(345_000),
                ..ModifyRequest::default()
            },
        )
        .await
        .expect("modified");
    let now = client.order_history(&id).await.expect("h");
    let last = now.last().expect("state");
    assert_eq!(
        (last.status.as_str(), last.trigger_price.paise()),
        ("TRIGGER PENDING", Some(345_000))
    );
    for bad in [
        ModifyRequest {
            price_paise: Some(1),
            order_type: Some(OrderType::Limit),
            ..ModifyRequest::default()
        },
        ModifyRequest {
            trigger_price_paise: Some(340_003),
            ..ModifyRequest::default()
        },
        ModifyRequest {
            quantity: Some(0),
            ..ModifyRequest::default()
        },
    ] {
        let e = client.modify_order(&id, &bad).await.expect_err("refused");
        assert!(
            matches!(e, algo_kite::KiteError::Rejected { status: 400, .. }),
            "{bad:?}: {e:?}"
        );
    }
    // A refused modification changes nothing; the stop still triggers at its new price.
    set_price(&sim, "TCS", json!(3450)).await;
    let filled = client.order_history(&id).await.expect("h");
    assert_eq!(filled.last().map(|o| o.state()), Some(OrderState::Complete));
}

/// Modifies `id`, sending a modification refused for Kite's 10 orders a second (which count
/// modifications too) again a moment later: that one was not taken, so it is not counted.
async fn modify_paced(
    client: &algo_kite::KiteClient,
    id: &str,
    change: &ModifyRequest,
) -> Result<String, algo_kite::KiteError> {
    for _ in 0..20 {
        match client.modify_order(id, change).await {
            Err(e) if e.to_string().contains("Too many requests") => {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            done => return done,
        }
    }
    client.modify_order(id, change).await
}

#[tokio::test]
async fn an_order_takes_25_modifications_and_refuses_the_next() {
    let sim = frozen_sim().await;
    let client = kite_client(&sim);
    let id = client.place_order(&limit(340_000)).await.expect("placed");
    for i in 0..25 {
        let change = ModifyRequest {
            price_paise: Some(330_000 + i * 5),
            ..ModifyRequest::default()
        };
        modify_paced(&client, &id, &change)
            .await
            .unwrap_or_else(|e| panic!("modification {}: {e:?}", i + 1));
    }
    let change = ModifyRequest {
        price_paise: Some(320_000),
        ..ModifyRequest::default()
    };
    let e = modify_paced(&client, &id, &change)
        .await
        .expect_err("the 26th is refused");
    assert!(
        e.to_string()
            .contains("Maximum allowed order modifications exceeded"),
        "{e}"
    );
    let history = client.order_history(&id).await.expect("history");
    let last = history.last().expect("a state");
    assert_eq!(
        (last.state(), last.price.paise()),
        (OrderState::Pending, Some(330_000 + 24 * 5)),
        "the order stands as the 25th left it"
    );
}
