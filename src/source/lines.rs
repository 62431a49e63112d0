//! Positions in a text: byte offsets turned into 1-based lines and columns (in characters).
//! Lookups arrive in increasing order (references in a body, cells of a register), so a cursor
//! scans forward from the last one: the whole file is scanned once, however many positions are
//! asked for and however long a line is. Going backwards restarts from the start of the text.

pub struct LineCursor<'a> {
    text: &'a str,
    /// Offset scanned up to, the 0-based line it is on, and its 0-based column.
    pos: usize,
    line: usize,
    col: usize,
}

impl<'a> LineCursor<'a> {
    pub fn new(text: &'a str) -> Self {
        LineCursor {
            text,
            pos: 0,
            line: 0,
            col: 0,
        }
    }

    /// 0-based line and 1-based column of `offset` (clamped to the text, and back to the start
    /// of a character).
    pub fn position(&mut self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        if offset < self.pos {
            (self.pos, self.line, self.col) = (0, 0, 0);
        }
        let scanned = &self.text[self.pos..offset];
        match memchr::memrchr(b'\n', scanned.as_bytes()) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', scanned.as_bytes()).count();
                self.col = scanned[last + 1..].chars().count();
            }
            None => self.col += scanned.chars().count(),
        }
        self.pos = offset;
        (self.line, self.col + 1)
    }

    /// 1-based line and column of `offset`.
    pub fn line_col(&mut self, offset: usize) -> (usize, usize) {
        let (l, c) = self.position(offset);
        (l + 1, c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_forward_and_back() {
        let text = "ab\ncdé f\n\ng";
        let mut c = LineCursor::new(text);
        assert_eq!(c.line_col(0), (1, 1));
        assert_eq!(c.line_col(4), (2, 2));
        assert_eq!(c.line_col(8), (2, 5), "é is one character");
        assert_eq!(c.line_col(11), (4, 1));
        assert_eq!(c.line_col(3), (2, 1), "backwards restarts");
        assert_eq!(c.line_col(99), (4, 2), "clamped to the end");
        assert_eq!(c.line_col(6), (2, 3), "inside é: back to its start");
    }

    #[test]
    fn agrees_with_a_plain_count_on_every_offset() {
        let text = "x\r\nαβ γ\n\n  [[A]] [[B]]\nend";
        let mut c = LineCursor::new(text);
        for (offset, _) in text.char_indices() {
            let before = &text[..offset];
            let line = before.matches('\n').count() + 1;
            let col = before.rsplit('\n').next().unwrap().chars().count() + 1;
            assert_eq!(c.line_col(offset), (line, col), "offset {offset}");
        }
    }
}
