//! A future that is finished even when whoever awaits it goes away.
//!
//! hyper drops a request's future when its client disconnects. An input cut there would
//! be half-applied: its HTTP request to the business's API sent but its outcome never
//! stored. Spawning every input into a task of its own prevents that, but costs a task
//! and a wake-up per request (one more hop through the scheduler, and a sibling worker
//! woken to steal the new task). [`Unabandoned`] runs the input in the request's own
//! task instead, and only when it is dropped before finishing hands the rest of it to a
//! new task: the cost of a task is paid by the rare input whose client left.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::task::{Context, Poll};

/// The work [`Unabandoned`] guards: boxed, so that handing it to a task moves a pointer.
type Work<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Runs `work` where it is awaited; dropped before the work finishes, it spawns the rest
/// onto the current tokio runtime, where it runs to its end (its output unread). A panic
/// inside the work is caught and given as `None`, as a task's join would.
pub(crate) struct Unabandoned<T: Send + 'static> {
    /// `None` once the work has finished (or panicked).
    work: Option<Work<T>>,
}

impl<T: Send + 'static> Unabandoned<T> {
    /// Guards `work`.
    pub(crate) fn new(work: impl Future<Output = T> + Send + 'static) -> Self {
        Unabandoned {
            work: Some(Box::pin(work)),
        }
    }
}

impl<T: Send + 'static> Future for Unabandoned<T> {
    /// The work's output, or `None` if it panicked.
    type Output = Option<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let Some(work) = self.work.as_mut() else {
            // Polled again after finishing: there is nothing more to give.
            return Poll::Ready(None);
        };
        // A panicking input must not take the connection's task (and its other state)
        // down with it: the work is dropped, which releases what it held.
        match std::panic::catch_unwind(AssertUnwindSafe(|| work.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => {
                self.work = None;
                Poll::Ready(Some(output))
            }
            Err(_) => {
                self.work = None;
                Poll::Ready(None)
            }
        }
    }
}

impl<T: Send + 'static> Drop for Unabandoned<T> {
    fn drop(&mut self) {
        if let Some(work) = self.work.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            // Outside a runtime (it is shutting down) nothing can run it: it is dropped,
            // as a spawned task would be.
            drop(runtime.spawn(work));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn work_abandoned_half_way_still_finishes() {
        let finished = Arc::new(AtomicBool::new(false));
        let flag = finished.clone();
        let guarded = Unabandoned::new(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            flag.store(true, Ordering::SeqCst);
        });
        // The caller gives up after its first poll.
        assert!(
            tokio::time::timeout(Duration::from_millis(5), guarded)
                .await
                .is_err()
        );
        assert!(!finished.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(finished.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn awaited_work_gives_its_output_and_a_panic_gives_none() {
        assert_eq!(Unabandoned::new(async { 7 }).await, Some(7));
        let panicking = Unabandoned::new(async {
            tokio::task::yield_now().await;
            panic!("an input's handling broke")
        });
        assert_eq!(panicking.await, None::<()>);
    }
}
