//! The bus walk: every device and function of a root bus, and of every bus
//! behind a PCI-to-PCI bridge, as the firmware numbered them.
//!
//! Each bus is walked at most once and only buses above the bridge's own are
//! followed, so a bridge that names its own bus, an earlier one or one walked
//! already cannot make the walk loop; it is recorded as
//! [`Problem::BridgeBus`].

use alloc::vec::Vec;
use core::ops::RangeInclusive;

use crate::bar::{self, Resources};
use crate::capability::{self, Capability, Extended, Kind};
use crate::header::{Header, Layout};
use crate::{Address, ConfigSpace, Problem};

/// Everything known about one function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    pub address: Address,
    pub header: Header,
    pub resources: Resources,
    pub capabilities: Vec<Capability>,
    pub extended: Vec<Extended>,
    pub problems: Vec<Problem>,
}

impl Function {
    /// Reads, probes and walks the function at `address`, if present.
    pub fn read(config: &impl ConfigSpace, address: Address) -> Option<Function> {
        let header = Header::read(config, address)?;
        let mut problems = Vec::new();
        if let Layout::Unknown(layout) = header.layout {
            problems.push(Problem::HeaderType { layout });
        }
        let resources = bar::probe(config, address, &header, &mut problems);
        let capabilities = capability::standard(config, address, &header, &mut problems);
        let extended = capability::extended(config, address, &mut problems);
        for capability in &capabilities {
            if let Kind::MsiX { table_bar, pba_bar, .. } = capability.kind {
                for bir in [table_bar, pba_bar] {
                    if !resources.bars.iter().any(|bar| bar.index == bir) {
                        problems.push(Problem::MsixBar { bir });
                    }
                }
            }
        }
        Some(Function { address, header, resources, capabilities, extended, problems })
    }
}

/// Which buses a walk has seen.
struct Buses([u64; 4]);

impl Buses {
    /// Marks `bus`; false if it was marked already.
    fn mark(&mut self, bus: u8) -> bool {
        let (word, bit) = (usize::from(bus / 64), bus % 64);
        let fresh = self.0[word] & (1 << bit) == 0;
        self.0[word] |= 1 << bit;
        fresh
    }
}

/// Walks segment `segment` from the first bus of `buses` (the root bus),
/// following bridges to buses inside `buses`. The functions come back in
/// address order.
pub fn walk(config: &impl ConfigSpace, segment: u16, buses: RangeInclusive<u8>) -> Vec<Function> {
    let mut found = Vec::new();
    let mut seen = Buses([0; 4]);
    let mut pending = Vec::from([*buses.start()]);
    seen.mark(*buses.start());
    while let Some(bus) = pending.pop() {
        for device in 0..Address::DEVICES {
            let first = Address { segment, bus, device, function: 0 };
            let Some(function) = Function::read(config, first) else { continue };
            let functions = if function.header.multifunction { Address::FUNCTIONS } else { 1 };
            let mut device_functions = Vec::from([function]);
            device_functions.extend(
                (1..functions).filter_map(|number| Function::read(config, Address { function: number, ..first })),
            );
            for mut function in device_functions {
                if let Some(bridge) = function.header.bridge {
                    let secondary = bridge.secondary;
                    if secondary > bus && buses.contains(&secondary) && seen.mark(secondary) {
                        pending.push(secondary);
                    } else {
                        function.problems.push(Problem::BridgeBus { secondary });
                    }
                }
                found.push(function);
            }
        }
    }
    found.sort_by_key(|function| function.address);
    found
}
