//! The ports in memory: maps behind a lock, with the same conditions as the DynamoDB adapter
//! (a changeset commits all or nothing; a failed write answers its own conflict), a directory of
//! people and an outbox. They run every rule of the service in process, in milliseconds; the
//! emulator suites keep checking the AWS adapters themselves.
mod directory;
mod mailer;
mod store;

pub use directory::MemoryDirectory;
pub use mailer::MemoryMailer;
pub use store::MemoryStore;
