//! The simulator over real HTTP (reqwest) and a real WebSocket (tokio-tungstenite), on port 0.
//! One test binary; each test spawns its own simulator. Nothing sleeps to synchronise: tests
//! poll until a deadline, or count heartbeats as a clock.
#![allow(unused_crate_dependencies)] // integration tests link every dependency of the crate

mod armed;
mod behaviour;
mod broker_contract;
mod faults;
mod helpers;
mod kite_client;
mod market;
mod modify;
mod orders;
mod positions;
mod session;
mod ticker;
