//! Test support: a local server that stands in for Elasticsearch.
//!
//! No Elasticsearch can run on the machines this project is tested on, so
//! [`ElasticTestServer`] follows Elasticsearch 8's documented REST API for
//! exactly the calls [`ElasticClient`](crate::ElasticClient) makes, with the
//! status codes and error bodies Elasticsearch returns. It is compiled only
//! with the `test-server` feature.

mod elastic;
mod http;
mod query;

pub use elastic::{ElasticTestServer, RecordedRequest};
