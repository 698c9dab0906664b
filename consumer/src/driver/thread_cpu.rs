//! The calling thread's CPU time. The merge stage shares the poll thread with counting, so the
//! process's CPU time cannot tell their costs apart; this clock, read around the merge stage's
//! work, can.

use std::time::Duration;

/// CPU time (user and system) the calling thread has used so far; zero if the clock cannot be
/// read, which makes the time measured across it zero rather than wrong.
pub(super) fn thread_cpu() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes only into the timespec it is given, which outlives the call.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    if status != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        u64::try_from(now.tv_sec).unwrap_or_default(),
        u32::try_from(now.tv_nsec).unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advances_with_work_done_on_this_thread() {
        let before = thread_cpu();
        let mut x = 0u64;
        for i in 0..20_000_000u64 {
            x = std::hint::black_box(x ^ i);
        }
        assert!(thread_cpu() > before, "{x}");
    }
}
