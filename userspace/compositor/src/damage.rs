//! Damage tracking: the parts of the screen that must be drawn again.
//! Rectangles are clipped to the screen; overlapping ones merge into
//! their union, so no pixel is drawn twice in one frame; past
//! [`MAX_RECTS`] the whole set collapses into one bounding rectangle.

use alloc::vec::Vec;

use cairn_winproto::Rect;

/// The most separate rectangles kept.
pub const MAX_RECTS: usize = 16;

/// The damaged areas of a screen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Damage {
    bounds: Rect,
    rects: Vec<Rect>,
}

impl Damage {
    /// Nothing damaged yet on a screen of `bounds`.
    pub fn new(bounds: Rect) -> Damage {
        Damage { bounds, rects: Vec::new() }
    }

    /// The screen changed size: everything is damaged.
    pub fn resize(&mut self, bounds: Rect) {
        self.bounds = bounds;
        self.rects.clear();
        self.add(bounds);
    }

    /// Marks `area` (clipped to the screen).
    pub fn add(&mut self, area: Rect) {
        let mut area = area.intersect(&self.bounds);
        if area.is_empty() {
            return;
        }
        while let Some(at) = self.rects.iter().position(|r| !r.intersect(&area).is_empty()) {
            area = area.union(&self.rects.swap_remove(at));
        }
        self.rects.push(area);
        if self.rects.len() > MAX_RECTS {
            let all = self.rects.iter().fold(Rect::default(), |all, r| all.union(r));
            self.rects.clear();
            self.rects.push(all);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rects.is_empty()
    }

    /// The damaged areas, leaving none.
    pub fn take(&mut self) -> Vec<Rect> {
        core::mem::take(&mut self.rects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCREEN: Rect = Rect::new(0, 0, 100, 100);

    #[test]
    fn clipped_and_merged() {
        let mut damage = Damage::new(SCREEN);
        damage.add(Rect::new(-10, -10, 20, 20));
        damage.add(Rect::new(200, 200, 5, 5));
        damage.add(Rect::new(50, 50, 0, 10));
        assert_eq!(damage.clone().take(), [Rect::new(0, 0, 10, 10)]);
        damage.add(Rect::new(5, 5, 10, 10));
        damage.add(Rect::new(80, 80, 5, 5));
        let rects = damage.take();
        assert_eq!(rects, [Rect::new(0, 0, 15, 15), Rect::new(80, 80, 5, 5)]);
        assert!(damage.is_empty());
    }

    #[test]
    fn a_merge_can_swallow_several() {
        let mut damage = Damage::new(SCREEN);
        damage.add(Rect::new(0, 0, 5, 5));
        damage.add(Rect::new(20, 0, 5, 5));
        damage.add(Rect::new(0, 0, 30, 2));
        assert_eq!(damage.take(), [Rect::new(0, 0, 30, 5)]);
    }

    #[test]
    fn too_many_collapse_into_their_bounds() {
        let mut damage = Damage::new(SCREEN);
        for i in 0..=MAX_RECTS as i32 {
            damage.add(Rect::new(i * 5, i * 5, 2, 2));
        }
        assert_eq!(damage.take(), [Rect::new(0, 0, 82, 82)]);
    }

    #[test]
    fn resize_damages_everything() {
        let mut damage = Damage::new(SCREEN);
        damage.resize(Rect::new(0, 0, 200, 150));
        assert_eq!(damage.take(), [Rect::new(0, 0, 200, 150)]);
    }
}
