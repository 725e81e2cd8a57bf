//! The few protocol-buffer encodings an ONNX file needs, written by hand: varints, fixed
//! 64-bit numbers and length-delimited fields. ONNX's `.proto` is stable and small enough
//! that this is shorter than a code generator and a build step.

/// One message being written: fields are appended in any order (ONNX readers accept it).
#[derive(Clone, Debug, Default)]
pub struct Message(Vec<u8>);

/// Wire types.
const VARINT: u64 = 0;
const BYTES: u64 = 2;

impl Message {
    /// An empty message.
    pub fn new() -> Message {
        Message::default()
    }

    /// The encoded bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    fn varint_raw(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    fn tag(&mut self, field: u32, wire: u64) {
        self.varint_raw((u64::from(field) << 3) | wire);
    }

    /// An integer field (int32, int64 or an enum; negative values as ten bytes, as protobuf
    /// does).
    pub fn int(&mut self, field: u32, v: i64) -> &mut Self {
        self.tag(field, VARINT);
        self.varint_raw(v as u64);
        self
    }

    /// A bytes field.
    pub fn bytes(&mut self, field: u32, v: &[u8]) -> &mut Self {
        self.tag(field, BYTES);
        self.varint_raw(v.len() as u64);
        self.0.extend_from_slice(v);
        self
    }

    /// A string field.
    pub fn string(&mut self, field: u32, v: &str) -> &mut Self {
        self.bytes(field, v.as_bytes())
    }

    /// An embedded message.
    pub fn message(&mut self, field: u32, m: &Message) -> &mut Self {
        self.bytes(field, &m.0)
    }

    /// A repeated integer field, one entry per value (the encoding every reader accepts for
    /// a field not declared packed).
    pub fn ints(&mut self, field: u32, vs: impl IntoIterator<Item = i64>) -> &mut Self {
        for v in vs {
            self.int(field, v);
        }
        self
    }

    /// A repeated integer field packed into one length-delimited field: about a third of
    /// the size of one entry per value for a tree's node ids. Protobuf parsers must read a
    /// packed field whether or not it is declared packed (the specification's rule), and
    /// onnxruntime's and onnx's do.
    pub fn packed_ints(&mut self, field: u32, vs: impl IntoIterator<Item = i64>) -> &mut Self {
        let mut body = Message::new();
        for v in vs {
            body.varint_raw(v as u64);
        }
        self.bytes(field, &body.0)
    }

    /// A repeated string field.
    pub fn strings<'a>(&mut self, field: u32, vs: impl IntoIterator<Item = &'a str>) -> &mut Self {
        for v in vs {
            self.string(field, v);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_match_the_protobuf_specification() {
        // The specification's own examples: field 1 = 150 is 08 96 01; field 2 = "testing".
        let mut m = Message::new();
        m.int(1, 150);
        assert_eq!(m.clone().into_bytes(), [0x08, 0x96, 0x01]);
        m.string(2, "testing");
        assert_eq!(
            &m.clone().into_bytes()[3..],
            [0x12, 0x07, b't', b'e', b's', b't', b'i', b'n', b'g']
        );
        // -1 as an int64 takes ten bytes.
        let mut n = Message::new();
        n.int(3, -1);
        let b = n.into_bytes();
        assert_eq!(b[0], 0x18);
        assert_eq!(
            &b[1..],
            [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]
        );
        // Packed: one length-delimited field of varints (the specification's example:
        // field 4 = [3, 270, 86942] is 22 06 03 8E 02 9E A7 05).
        let mut p = Message::new();
        p.packed_ints(4, [3, 270, 86942]);
        assert_eq!(
            p.into_bytes(),
            [0x22, 0x06, 0x03, 0x8e, 0x02, 0x9e, 0xa7, 0x05]
        );
        // Embedded messages carry their length.
        let mut inner = Message::new();
        inner.int(1, 1);
        let mut outer = Message::new();
        outer.message(7, &inner);
        assert_eq!(outer.into_bytes(), [0x3a, 0x02, 0x08, 0x01]);
    }
}
