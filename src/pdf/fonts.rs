//! Embedded fonts: measuring text, collecting the glyphs a document uses, and writing
//! them as subset CID fonts with a ToUnicode map, so every text extracts exactly as
//! written (`PO-000123` stays `PO-000123`).

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use std::collections::BTreeMap;
use subsetter::GlyphRemapper;

/// DejaVu Sans (Bitstream Vera licence; see `assets/fonts/LICENSE`).
pub const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold.
pub const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Which face of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Weight {
    Regular,
    Bold,
}

/// One font: its parsed face and the glyphs used so far.
pub struct Font {
    data: &'static [u8],
    face: ttf_parser::Face<'static>,
    remapper: GlyphRemapper,
    /// New glyph id → (original glyph id, the character it shows).
    used: BTreeMap<u16, (u16, char)>,
    pub resource_name: &'static [u8],
    base_name: &'static str,
}

impl Font {
    fn new(data: &'static [u8], resource_name: &'static [u8], base_name: &'static str) -> Self {
        let face = ttf_parser::Face::parse(data, 0).expect("the embedded fonts are valid");
        let mut remapper = GlyphRemapper::new();
        remapper.remap(0);
        Font {
            data,
            face,
            remapper,
            used: BTreeMap::new(),
            resource_name,
            base_name,
        }
    }

    fn glyph(&self, c: char) -> u16 {
        self.face
            .glyph_index(c)
            .or_else(|| self.face.glyph_index('?'))
            .map_or(0, |g| g.0)
    }

    /// Advance width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let upem = f32::from(self.face.units_per_em());
        text.chars()
            .map(|c| {
                f32::from(
                    self.face
                        .glyph_hor_advance(ttf_parser::GlyphId(self.glyph(c)))
                        .unwrap_or(0),
                )
            })
            .sum::<f32>()
            * size
            / upem
    }

    /// Encodes `text` as two-byte CIDs of the subset font, recording the glyphs used.
    pub fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let gid = self.glyph(c);
            let cid = self.remapper.remap(gid);
            self.used.entry(cid).or_insert((gid, c));
            out.extend_from_slice(&cid.to_be_bytes());
        }
        out
    }

    /// Writes the font objects (Type0, CIDFont, descriptor, font file, ToUnicode) starting
    /// at `next`; returns the Type0 font's reference and the next free reference.
    fn write(&self, pdf: &mut Pdf, mut next: Ref) -> Ref {
        let mut alloc = || {
            let r = next;
            next = Ref::new(next.get() + 1);
            r
        };
        let (type0, cid, descriptor, file, cmap) = (alloc(), alloc(), alloc(), alloc(), alloc());
        let upem = f32::from(self.face.units_per_em());
        let scale = |v: i16| f32::from(v) * 1000.0 / upem;

        // A subset's name starts with a tag of six capitals derived from its glyphs.
        let mut h: u32 = 2166136261;
        for cid in self.used.keys() {
            h = (h ^ u32::from(*cid)).wrapping_mul(16777619);
        }
        let tag: String = (0..6).map(|i| (b'A' + ((h >> (i * 5)) % 26) as u8) as char).collect();
        let name = format!("{tag}+{}", self.base_name);

        pdf.type0_font(type0)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap);

        let mut cid_font = pdf.cid_font(cid);
        cid_font
            .subtype(CidFontType::Type2)
            .base_font(Name(name.as_bytes()))
            .system_info(SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"Identity"),
                supplement: 0,
            })
            .font_descriptor(descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        {
            let mut widths = cid_font.widths();
            for (new_id, (gid, _)) in &self.used {
                let advance = self.face.glyph_hor_advance(ttf_parser::GlyphId(*gid)).unwrap_or(0);
                widths.consecutive(*new_id, [f32::from(advance) * 1000.0 / upem]);
            }
        }
        cid_font.finish();

        let bbox = self.face.global_bounding_box();
        pdf.font_descriptor(descriptor)
            .name(Name(name.as_bytes()))
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                scale(bbox.x_min),
                scale(bbox.y_min),
                scale(bbox.x_max),
                scale(bbox.y_max),
            ))
            .italic_angle(0.0)
            .ascent(scale(self.face.ascender()))
            .descent(scale(self.face.descender()))
            .cap_height(scale(self.face.capital_height().unwrap_or(self.face.ascender())))
            .stem_v(if self.base_name.contains("Bold") { 140.0 } else { 80.0 })
            .font_file2(file);

        let subset = subsetter::subset(self.data, 0, &self.remapper).expect("the embedded fonts subset");
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&subset, 9);
        pdf.stream(file, &compressed).filter(Filter::FlateDecode);

        let mut unicode = UnicodeCmap::new(
            Name(b"Custom"),
            SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"UCS"),
                supplement: 0,
            },
        );
        for (new_id, (_, c)) in &self.used {
            unicode.pair(*new_id, *c);
        }
        let cmap_data = unicode.finish();
        pdf.cmap(cmap, &cmap_data)
            .name(Name(b"Custom"))
            .system_info(SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"UCS"),
                supplement: 0,
            });
        next
    }
}

/// The two faces a document uses.
pub struct Fonts {
    pub regular: Font,
    pub bold: Font,
}

impl Fonts {
    pub fn new() -> Self {
        Fonts {
            regular: Font::new(REGULAR, b"F1", "DejaVuSans"),
            bold: Font::new(BOLD, b"F2", "DejaVuSans-Bold"),
        }
    }

    pub fn get(&self, w: Weight) -> &Font {
        match w {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    pub fn get_mut(&mut self, w: Weight) -> &mut Font {
        match w {
            Weight::Regular => &mut self.regular,
            Weight::Bold => &mut self.bold,
        }
    }

    /// Writes both fonts from `next` on; returns their references and the next free one.
    pub fn write(&self, pdf: &mut Pdf, next: Ref) -> (Ref, Ref, Ref) {
        let regular = next;
        let after_regular = self.regular.write(pdf, next);
        let bold = after_regular;
        let after_bold = self.bold.write(pdf, after_regular);
        (regular, bold, after_bold)
    }
}

impl Default for Fonts {
    fn default() -> Self {
        Self::new()
    }
}
