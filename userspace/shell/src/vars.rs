//! The shell variables: values, the export and read-only flags, and the save-and-restore frames that make
//! `local` variables and temporary `NAME=value cmd` assignments.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

/// One variable. A variable may exist without a value (`export NAME`, `local NAME`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Variable {
    pub value: Option<String>,
    pub exported: bool,
    pub readonly: bool,
}

/// Why a variable could not be changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VariableError {
    ReadOnly(String),
}

/// All variables of a shell.
#[derive(Clone, Debug, Default)]
pub struct Variables {
    table: BTreeMap<String, Variable>,
    /// One frame per function call (or temporary assignment): the variables made local in it and what they were.
    frames: Vec<BTreeMap<String, Option<Variable>>>,
}

impl Variables {
    /// The value of a set variable.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.table.get(name).and_then(|variable| variable.value.as_deref())
    }

    /// Sets a value, keeping the flags.
    pub fn set(&mut self, name: &str, value: String) -> Result<(), VariableError> {
        let variable = self.table.entry(String::from(name)).or_default();
        if variable.readonly {
            return Err(VariableError::ReadOnly(String::from(name)));
        }
        variable.value = Some(value);
        Ok(())
    }

    /// Removes a variable.
    pub fn unset(&mut self, name: &str) -> Result<(), VariableError> {
        if self.table.get(name).is_some_and(|variable| variable.readonly) {
            return Err(VariableError::ReadOnly(String::from(name)));
        }
        self.table.remove(name);
        Ok(())
    }

    /// Marks a variable for the environment of commands.
    pub fn export(&mut self, name: &str) {
        self.table.entry(String::from(name)).or_default().exported = true;
    }

    /// Makes a variable read-only.
    pub fn make_readonly(&mut self, name: &str) {
        self.table.entry(String::from(name)).or_default().readonly = true;
    }

    /// Starts a frame of local variables.
    pub fn push_frame(&mut self) {
        self.frames.push(BTreeMap::new());
    }

    /// Ends the innermost frame, restoring what its local variables hid.
    pub fn pop_frame(&mut self) {
        let Some(frame) = self.frames.pop() else { return };
        for (name, saved) in frame {
            match saved {
                Some(variable) => {
                    self.table.insert(name, variable);
                }
                None => {
                    self.table.remove(&name);
                }
            }
        }
    }

    /// Makes `name` local to the innermost frame (unset and not exported until assigned). Returns `false` when
    /// there is no frame.
    pub fn make_local(&mut self, name: &str) -> Result<bool, VariableError> {
        let previous = self.table.get(name).cloned();
        if previous.as_ref().is_some_and(|variable| variable.readonly) {
            return Err(VariableError::ReadOnly(String::from(name)));
        }
        let Some(frame) = self.frames.last_mut() else { return Ok(false) };
        if !frame.contains_key(name) {
            frame.insert(String::from(name), previous);
            self.table.insert(String::from(name), Variable::default());
        }
        Ok(true)
    }

    /// The environment for commands: `NAME=value` of every exported variable with a value.
    pub fn environment(&self) -> Vec<String> {
        self.table
            .iter()
            .filter(|(_, variable)| variable.exported)
            .filter_map(|(name, variable)| variable.value.as_ref().map(|value| alloc::format!("{name}={value}")))
            .collect()
    }

    /// Every variable, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Variable)> {
        self.table.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locals_are_restored_when_the_frame_ends() {
        let mut vars = Variables::default();
        vars.set("x", String::from("global")).unwrap();
        vars.push_frame();
        assert_eq!(vars.make_local("x"), Ok(true));
        assert_eq!(vars.get("x"), None);
        vars.set("x", String::from("local")).unwrap();
        vars.make_local("y").unwrap();
        vars.set("y", String::from("1")).unwrap();
        vars.pop_frame();
        assert_eq!(vars.get("x"), Some("global"));
        assert_eq!(vars.get("y"), None);
    }

    #[test]
    fn readonly_variables_refuse_changes() {
        let mut vars = Variables::default();
        vars.set("r", String::from("1")).unwrap();
        vars.make_readonly("r");
        assert_eq!(vars.set("r", String::from("2")), Err(VariableError::ReadOnly(String::from("r"))));
        assert!(vars.unset("r").is_err());
        assert_eq!(vars.get("r"), Some("1"));
    }

    #[test]
    fn environment_lists_exported_variables_with_values() {
        let mut vars = Variables::default();
        vars.set("a", String::from("1")).unwrap();
        vars.set("b", String::from("2")).unwrap();
        vars.export("b");
        vars.export("c");
        assert_eq!(vars.environment(), alloc::vec![String::from("b=2")]);
        assert_eq!(vars.make_local("a"), Ok(false));
    }
}
