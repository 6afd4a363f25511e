//! Resource-limit system calls: `get_limit` and `set_limit`
//! ([`crate::task::limits`]).

use cairn_abi::Result;
use cairn_abi::limit::Limit;

use super::user;
use crate::task;

pub fn get_limit(resource: usize, out: usize) -> Result<usize> {
    let limit = task::with(|tasks| tasks.current_process().limits.get(resource))?;
    user::write_value(out, &limit)?;
    Ok(0)
}

pub fn set_limit(resource: usize, new: usize) -> Result<usize> {
    let new: Limit = user::read_value(new)?;
    task::with(|tasks| {
        let process = tasks.current_process();
        let root = process.uid == 0;
        process.limits.set(resource, new, root)?;
        process.fds.set_limit(process.limits.files.current);
        let kernel_memory = process.limits.kernel_memory.current;
        if let Some(space) = process.space.as_mut() {
            space.set_kernel_limit(kernel_memory);
        }
        Ok::<(), cairn_abi::Error>(())
    })?;
    Ok(0)
}
