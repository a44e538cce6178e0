use std::ops::Deref;
use std::sync::Arc;

use aws_types::sdk_config::SdkConfig;

use crate::adapters::{CognitoDirectory, DynamoStore, SesMailer};
use crate::clock::Clock;
use crate::config::Config;
use crate::ports::{Directory, Mailer, Store};

/// Everything an operation needs, built once per process (a Lambda init or the local API).
#[derive(Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub store: Port<dyn Store>,
    pub directory: Port<dyn Directory>,
    pub mailer: Port<dyn Mailer>,
    /// Where each request reads its time.
    pub clock: Clock,
}

/// The ports a function calls: its Lambda builds (and links) only their AWS clients. The
/// template's policy of the function names the same services (checked by a test).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ports {
    /// DynamoDB.
    pub store: bool,
    /// Cognito.
    pub directory: bool,
    /// SES.
    pub mailer: bool,
}

impl Ports {
    pub const ALL: Ports = Ports { store: true, directory: true, mailer: true };
    pub const NONE: Ports = Ports { store: false, directory: false, mailer: false };
    pub const STORE: Ports = Ports { store: true, ..Ports::NONE };
    pub const STORE_DIRECTORY: Ports = Ports { directory: true, ..Ports::STORE };

    /// Whether the function calls no AWS service at all.
    pub const fn is_none(self) -> bool {
        !self.store && !self.directory && !self.mailer
    }
}

/// One port of the app: its adapter, or none in a function that never calls it. Reaching an
/// unwired port is a wrong `Ports` declaration (a bug the events' invocations catch), not a
/// state a request can cause.
pub struct Port<T: ?Sized>(Option<Arc<T>>, &'static str);

impl<T: ?Sized> Port<T> {
    pub fn wired(adapter: Arc<T>, name: &'static str) -> Self {
        Self(Some(adapter), name)
    }

    pub fn unwired(name: &'static str) -> Self {
        Self(None, name)
    }

    fn kept(&self, wired: bool) -> Self {
        if wired {
            self.clone()
        } else {
            Self::unwired(self.1)
        }
    }
}

impl<T: ?Sized> Clone for Port<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone(), self.1)
    }
}

impl<T: ?Sized> Deref for Port<T> {
    type Target = T;

    fn deref(&self) -> &T {
        match &self.0 {
            Some(adapter) => adapter,
            None => panic!("this function was built without the {}: add it to its operation's ports", self.1),
        }
    }
}

impl App {
    /// The service on the given adapters, every port wired.
    pub fn wired(config: Config, store: Arc<dyn Store>, directory: Arc<dyn Directory>, mailer: Arc<dyn Mailer>) -> Self {
        Self {
            config: Arc::new(config),
            store: Port::wired(store, "store"),
            directory: Port::wired(directory, "directory"),
            mailer: Port::wired(mailer, "mailer"),
            clock: Clock::system(),
        }
    }

    /// The app of a function that calls no AWS service.
    pub fn without_aws(config: Config) -> Self {
        Self {
            config: Arc::new(config),
            store: Port::unwired("store"),
            directory: Port::unwired("directory"),
            mailer: Port::unwired("mailer"),
            clock: Clock::system(),
        }
    }

    /// The same app on another clock (a test's).
    pub fn with_clock(self, clock: Clock) -> Self {
        Self { clock, ..self }
    }

    /// The same app with only `ports` wired: what the function of an operation has, so that the
    /// local API and the tests find a port an operation calls without declaring it.
    pub fn only(&self, ports: Ports) -> Self {
        Self {
            config: Arc::clone(&self.config),
            store: self.store.kept(ports.store),
            directory: self.directory.kept(ports.directory),
            mailer: self.mailer.kept(ports.mailer),
            clock: self.clock.clone(),
        }
    }

    /// The service on real AWS clients (or an emulator, when `sdk` points at one).
    pub fn on_aws(sdk: &SdkConfig, config: Config) -> Self {
        Self::on_aws_with(sdk, config, Ports::ALL)
    }

    /// The service with only the clients of `ports`. Inlined, so that with constant `ports` a
    /// function's binary does not link the SDK of a service it never calls.
    #[inline(always)]
    pub fn on_aws_with(sdk: &SdkConfig, config: Config, ports: Ports) -> Self {
        let store = if ports.store {
            Port::wired(
                Arc::new(DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), config.table_name.clone())) as Arc<dyn Store>,
                "store",
            )
        } else {
            Port::unwired("store")
        };
        let directory = if ports.directory {
            Port::wired(Arc::new(CognitoDirectory::new(sdk, config.user_pool_id.clone())) as Arc<dyn Directory>, "directory")
        } else {
            Port::unwired("directory")
        };
        let mailer = if ports.mailer {
            let mailer = SesMailer::new(sdk, config.sender_email.clone(), config.ses_configuration_set.clone());
            Port::wired(Arc::new(mailer) as Arc<dyn Mailer>, "mailer")
        } else {
            Port::unwired("mailer")
        };
        Self { config: Arc::new(config), store, directory, mailer, clock: Clock::system() }
    }
}
