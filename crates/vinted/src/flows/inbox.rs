//! Reading the inbox (being written).
use serde_json::Value;

use super::Flow;
use crate::StoreAccess;
use crate::calls::FlowError;

pub async fn run<S: StoreAccess>(_flow: &mut Flow<'_, S>) -> Result<Value, FlowError> {
    Err(FlowError::Invalid(
        "reading the inbox is not built yet".into(),
    ))
}
