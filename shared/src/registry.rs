//! Every operation of the service by name, for the local gateway, the tests and the bench. A
//! function's binary does not go through it: it names its handler (`lambda::run::<H>`) and
//! links that one alone.
use lambda_http::{Body, Request, Response};

use crate::app::{App, Ports};
use crate::edge::respond;
use crate::operations::*;

macro_rules! registry {
    ($($operation:ident,)*) => {
        /// Every operation of the service; each is one Lambda function.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Operation {
            $($operation,)*
        }

        impl Operation {
            pub const ALL: &'static [Operation] = &[$(Operation::$operation,)*];

            /// The function's name: its binary, `functions/src/bin/<name>.rs`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Operation::$operation => <$operation as Handler>::NAME,)*
                }
            }

            /// The ports its function calls.
            pub fn ports(self) -> Ports {
                match self {
                    $(Operation::$operation => <$operation as Handler>::PORTS,)*
                }
            }

            /// Runs the operation and answers as the contract says, errors included; logs one line.
            /// Each operation's future is boxed: unboxed, this one would be as large as the largest
            /// of them all, on the stack of whoever awaits it (a test's thread).
            pub async fn respond(self, app: &App, req: Request) -> Response<Body> {
                match self {
                    $(Operation::$operation => Box::pin(respond::<$operation>(app, req)).await,)*
                }
            }
        }
    };
}

crate::operations::every_operation!(registry);

impl Operation {
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|op| op.name() == name)
    }
}
