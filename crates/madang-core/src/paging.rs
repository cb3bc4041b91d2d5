//! Which page numbers a list's pagination shows: the first, the last, and a few around the
//! current one, with gaps between. A board of 100,000 posts has 5,000 pages; the page must
//! not carry (or loop over) all of them.

/// Pages shown on each side of the current one.
pub const AROUND: u32 = 4;

/// The page links to show, in order; `None` marks a gap ("…").
pub fn page_links(page: u32, pages: u32) -> Vec<Option<u32>> {
    let pages = pages.max(1);
    let page = page.clamp(1, pages);
    let low = page.saturating_sub(AROUND).max(1);
    let high = page.saturating_add(AROUND).min(pages);
    let mut links = Vec::with_capacity((high - low + 5) as usize);
    // A gap that would hide a single page shows that page instead.
    if low > 1 {
        links.push(Some(1));
        match low {
            3 => links.push(Some(2)),
            l if l > 3 => links.push(None),
            _ => {}
        }
    }
    links.extend((low..=high).map(Some));
    if high < pages {
        match pages - high {
            2 => links.push(Some(pages - 1)),
            d if d > 2 => links.push(None),
            _ => {}
        }
        links.push(Some(pages));
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(links: &[Option<u32>]) -> String {
        links
            .iter()
            .map(|l| l.map_or("…".to_owned(), |n| n.to_string()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn first_last_and_a_window_with_gaps() {
        assert_eq!(show(&page_links(1, 1)), "1");
        assert_eq!(show(&page_links(1, 3)), "1 2 3");
        assert_eq!(show(&page_links(1, 5000)), "1 2 3 4 5 … 5000");
        assert_eq!(
            show(&page_links(4000, 5000)),
            "1 … 3996 3997 3998 3999 4000 4001 4002 4003 4004 … 5000"
        );
        assert_eq!(
            show(&page_links(5000, 5000)),
            "1 … 4996 4997 4998 4999 5000"
        );
        // No gap where the window touches the ends.
        assert_eq!(show(&page_links(6, 11)), "1 2 3 4 5 6 7 8 9 10 11");
        assert_eq!(show(&page_links(7, 12)), "1 2 3 4 5 6 7 8 9 10 11 12");
        assert_eq!(show(&page_links(8, 20)), "1 … 4 5 6 7 8 9 10 11 12 … 20");
    }

    #[test]
    fn out_of_range_input_is_clamped() {
        assert_eq!(show(&page_links(0, 0)), "1");
        assert_eq!(show(&page_links(99, 3)), "1 2 3");
        assert_eq!(page_links(u32::MAX, u32::MAX).len(), 7);
    }
}
