//! Who asks and what they may do: the tree's side of the shared POSIX
//! rules (`cairn-fsrules`), which decide from a node's mode, owner and
//! group.

use cairn_fsrules::access;

use crate::{Access, Caller, FsError, MemFs, NodeId};

impl MemFs {
    /// Whether `caller` may access `id` as asked (`access(2)`); a missing
    /// node is `NotFound`, a refusal `PermissionDenied`.
    pub fn check_access(&self, id: NodeId, caller: Caller, access: Access) -> Result<(), FsError> {
        access::check(&mut &*self, id, caller, access)
    }

    /// Whether `caller` may execute `id`: a regular file with the execute
    /// bit of its class (root: any execute bit). Anything else is
    /// `PermissionDenied`, as `execve` answers.
    pub fn may_execute(&self, id: NodeId, caller: Caller) -> Result<(), FsError> {
        access::may_execute(&mut &*self, id, caller)
    }
}
