//! An outbox in memory.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use async_trait::async_trait;

use crate::error::ApiError;
use crate::ports::{Mailer, OutgoingEmail};

/// An outbox in memory; it can be told to refuse the next email, as SES does when it fails.
#[derive(Default)]
pub struct MemoryMailer {
    sent: Mutex<Vec<OutgoingEmail>>,
    refuse_next: AtomicBool,
}

impl MemoryMailer {
    pub fn sent(&self) -> Vec<OutgoingEmail> {
        self.sent.lock().expect("the outbox's lock is never poisoned").clone()
    }

    pub fn refuse_next(&self) {
        self.refuse_next.store(true, Ordering::SeqCst);
    }
}

#[async_trait]
impl Mailer for MemoryMailer {
    async fn send(&self, email: OutgoingEmail) -> Result<(), ApiError> {
        if self.refuse_next.swap(false, Ordering::SeqCst) {
            return Err(ApiError::upstream(std::io::Error::other("MessageRejected")));
        }
        self.sent.lock().expect("the outbox's lock is never poisoned").push(email);
        Ok(())
    }
}
