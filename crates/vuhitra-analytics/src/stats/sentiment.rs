//! Sentiment summaries of text columns: the VADER scores of a column's values, as
//! vaderSentiment 3.3.2's `polarity_scores` returns them (rounded), folded into counts by
//! polarity, means, a histogram and the most positive and most negative value.
//!
//! A column is scored in one of two ways:
//! - every non-missing value ([`SentimentMode::Every`], the mode of `--sentiment COLUMN`).
//!   Each chunk's values are scored on all cores, then folded in row order, so the summary
//!   does not depend on the number of threads;
//! - a uniform random sample of a fixed number of values ([`SentimentMode::Sample`], the
//!   summary free-text columns get without asking). The sample is drawn by reservoir
//!   sampling (Li's "Algorithm L"), which needs neither the number of values in advance nor
//!   memory beyond the sample. A value is scored when it enters the sample, so the sample
//!   keeps scores and row numbers, never texts.
//!
//! Values that repeat are scored once: the scores of the first [`SCORE_CACHE_ENTRIES`]
//! distinct values are kept by their hash. Scores are kept as the integers of their rounded
//! decimals ([`Compact`], 8 bytes), which turn back into the same `f64` values.

use rayon::prelude::*;
use serde::Serialize;
use vuhitra_nlp::vader::{Polarity, Sentiment, SentimentAnalyzer};

use crate::error::Result;
use crate::random::SplitMix64;
use crate::stats::counts::{Hash128, PrehashedMap};
use crate::stats::CellSource;

/// Size of the sample a free-text column's summary is computed from when no `--sentiment`
/// option names the column.
pub const AUTOMATIC_SAMPLE: usize = 10_000;

/// Bins of the compound-score histogram, of equal width from -1 to 1.
pub const HISTOGRAM_BINS: usize = 20;

/// Distinct values whose scores are kept for their repeats.
pub const SCORE_CACHE_ENTRIES: usize = 4096;

/// The choice of values of a column to score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SentimentMode {
    /// Every non-missing value.
    Every,
    /// A uniform random sample of at most this many values, drawn with a seed.
    Sample {
        /// The sample size.
        size: usize,
        /// Seed of the random choice; the same seed and values give the same sample.
        seed: u64,
    },
}

/// The sentiment summary of a text column.
#[derive(Debug, Clone, Serialize)]
pub struct SentimentStats {
    /// Values scored.
    pub scored: u64,
    /// Whether the scored values are a random sample of the column's values rather than all
    /// of them.
    pub sampled: bool,
    /// Mean compound score.
    pub mean_compound: Option<f64>,
    /// Sample standard deviation (ddof = 1) of the compound scores.
    pub std_compound: Option<f64>,
    /// Values with a compound score of 0.05 or more.
    pub positive: u64,
    /// Values with a compound score between -0.05 and 0.05 (both excluded).
    pub neutral: u64,
    /// Values with a compound score of -0.05 or less.
    pub negative: u64,
    /// Mean share of negative sentiment (`neg`).
    pub mean_neg: Option<f64>,
    /// Mean share of neutral words (`neu`).
    pub mean_neu: Option<f64>,
    /// Mean share of positive sentiment (`pos`).
    pub mean_pos: Option<f64>,
    /// The value with the highest compound score (the first such value on ties).
    pub most_positive: Option<ScoredText>,
    /// The value with the lowest compound score (the first such value on ties).
    pub most_negative: Option<ScoredText>,
    /// Counts of compound scores in [`HISTOGRAM_BINS`] bins of equal width from -1 to 1, as
    /// `numpy.histogram(scores, bins=20, range=(-1, 1))` counts them.
    pub histogram: Vec<u64>,
}

/// One scored value of a column.
#[derive(Debug, Clone, Serialize)]
pub struct ScoredText {
    /// Row of the value, counted from 0 among the profiled rows.
    pub row: u64,
    /// Its compound score.
    pub compound: f64,
    /// The value.
    pub text: String,
}

/// Accumulates the sentiment of one text column, chunk by chunk.
#[derive(Debug)]
pub struct SentimentColumn {
    mode: SentimentMode,
    analyzer: SentimentAnalyzer,
    cache: PrehashedMap<Hash128, Compact>,
    /// Non-missing values offered so far.
    offered: u64,
    /// Every mode: the running summary.
    summary: Summary,
    /// Sample mode: the sample drawn so far.
    reservoir: Reservoir,
}

impl SentimentColumn {
    /// Creates an accumulator that scores the values `mode` chooses.
    pub fn new(mode: SentimentMode) -> Self {
        let seed = match mode {
            SentimentMode::Every => 0,
            SentimentMode::Sample { seed, .. } => seed,
        };
        Self {
            mode,
            analyzer: SentimentAnalyzer::new(),
            cache: PrehashedMap::default(),
            offered: 0,
            summary: Summary::default(),
            reservoir: Reservoir::new(seed),
        }
    }

    /// Returns the mode that chooses the values this accumulator scores.
    pub fn mode(&self) -> SentimentMode {
        self.mode
    }

    /// Adds the non-missing values of one chunk, in row order, with their rows and hashes.
    pub fn add(&mut self, values: &[(u64, &str, Hash128)]) {
        match self.mode {
            SentimentMode::Every => self.score_every(values),
            SentimentMode::Sample { .. } => {
                for &(row, text, hash) in values {
                    self.offer(row, text, hash);
                }
            }
        }
    }

    /// Offers one non-missing value to a sample, which scores it only if it is drawn. This is
    /// the cheap path of [`SentimentMode::Sample`], called for every value as it is read.
    /// In [`SentimentMode::Every`], values go through [`SentimentColumn::add`] instead.
    #[inline]
    pub fn offer(&mut self, row: u64, text: &str, hash: Hash128) {
        let SentimentMode::Sample { size, .. } = self.mode else {
            return;
        };
        let index = self.offered;
        self.offered += 1;
        if let Some(slot) = self.reservoir.slot_for(index, size) {
            let scores = self.score(text, hash);
            self.reservoir.place(slot, row, scores);
        }
    }

    fn score_every(&mut self, values: &[(u64, &str, Hash128)]) {
        let analyzer = &self.analyzer;
        let cache = &self.cache;
        let scores: Vec<Sentiment> = values
            .par_iter()
            .with_min_len(256)
            .map(|&(_, text, hash)| match cache.get(&hash) {
                Some(scores) => scores.expand(),
                None => analyzer.polarity_scores(text),
            })
            .collect();

        for (&(row, text, hash), scores) in values.iter().zip(scores) {
            self.offered += 1;
            if self.cache.len() < SCORE_CACHE_ENTRIES {
                self.cache.entry(hash).or_insert(Compact::of(&scores));
            }
            if let Some(extreme) = self.summary.add(row, &scores) {
                self.summary.keep_text(extreme, text);
            }
        }
    }

    fn score(&mut self, text: &str, hash: Hash128) -> Compact {
        if let Some(scores) = self.cache.get(&hash) {
            return *scores;
        }
        let scores = Compact::of(&self.analyzer.polarity_scores(text));
        if self.cache.len() < SCORE_CACHE_ENTRIES {
            self.cache.insert(hash, scores);
        }
        scores
    }

    /// Computes the summary. The text of a sampled extreme value is read from `cells`, where
    /// this column is column number `column`.
    pub fn finish(&self, column: usize, cells: &dyn CellSource) -> Result<SentimentStats> {
        let (summary, sampled) = match self.mode {
            SentimentMode::Every => (self.summary.clone(), false),
            SentimentMode::Sample { size, .. } => {
                // Fold the sample in row order, so the sums do not depend on which slot a
                // value replaced.
                let mut drawn = self.reservoir.drawn.clone();
                drawn.sort_unstable_by_key(|(row, _)| *row);
                let mut summary = Summary::default();
                for (row, scores) in &drawn {
                    summary.add(*row, &scores.expand());
                }
                (summary, self.offered > size as u64)
            }
        };
        summary.stats(sampled, column, cells)
    }
}

/// The scores of one text as `polarity_scores` rounds them, held as integers: `compound` in
/// units of 1e-4, the shares in units of 1e-3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Compact {
    compound: i16,
    neg: u16,
    neu: u16,
    pos: u16,
}

impl Compact {
    /// Packs rounded scores. Each rounded score is the `f64` nearest to a decimal with 4 (or
    /// 3) places, so scaling it and rounding finds that decimal's integer exactly.
    fn of(scores: &Sentiment) -> Self {
        Self {
            compound: (scores.compound * 1e4).round() as i16,
            neg: (scores.neg * 1e3).round() as u16,
            neu: (scores.neu * 1e3).round() as u16,
            pos: (scores.pos * 1e3).round() as u16,
        }
    }

    /// Unpacks the scores. A division by a power of ten is correctly rounded, so it gives the
    /// `f64` nearest to the decimal, which is the value `polarity_scores` returned.
    fn expand(self) -> Sentiment {
        Sentiment {
            neg: f64::from(self.neg) / 1e3,
            neu: f64::from(self.neu) / 1e3,
            pos: f64::from(self.pos) / 1e3,
            compound: f64::from(self.compound) / 1e4,
        }
    }
}

/// The extremes a value became.
#[derive(Debug, Clone, Copy)]
struct Extreme {
    highest: bool,
    lowest: bool,
}

/// The running summary of scored values.
#[derive(Debug, Clone, Default)]
struct Summary {
    scored: u64,
    compound: NeumaierSum,
    neg: NeumaierSum,
    neu: NeumaierSum,
    pos: NeumaierSum,
    /// Welford's running mean and sum of squared deviations of the compound scores.
    welford_mean: f64,
    welford_m2: f64,
    positive: u64,
    neutral: u64,
    negative: u64,
    highest: Option<(f64, u64, Option<String>)>,
    lowest: Option<(f64, u64, Option<String>)>,
    histogram: [u64; HISTOGRAM_BINS],
}

impl Summary {
    /// Adds one value's scores. Returns which extremes it became, if any.
    fn add(&mut self, row: u64, scores: &Sentiment) -> Option<Extreme> {
        let compound = scores.compound;
        self.scored += 1;
        self.compound.add(compound);
        self.neg.add(scores.neg);
        self.neu.add(scores.neu);
        self.pos.add(scores.pos);

        let delta = compound - self.welford_mean;
        self.welford_mean += delta / self.scored as f64;
        self.welford_m2 += delta * (compound - self.welford_mean);

        match scores.polarity() {
            Polarity::Positive => self.positive += 1,
            Polarity::Neutral => self.neutral += 1,
            Polarity::Negative => self.negative += 1,
        }
        self.histogram[histogram_bin(compound)] += 1;

        let highest = self
            .highest
            .as_ref()
            .is_none_or(|(top, ..)| compound > *top);
        let lowest = self.lowest.as_ref().is_none_or(|(low, ..)| compound < *low);
        if highest {
            self.highest = Some((compound, row, None));
        }
        if lowest {
            self.lowest = Some((compound, row, None));
        }
        (highest || lowest).then_some(Extreme { highest, lowest })
    }

    /// Keeps the text of the value [`Summary::add`] just made an extreme.
    fn keep_text(&mut self, extreme: Extreme, text: &str) {
        if extreme.highest {
            if let Some(highest) = &mut self.highest {
                highest.2 = Some(text.to_string());
            }
        }
        if extreme.lowest {
            if let Some(lowest) = &mut self.lowest {
                lowest.2 = Some(text.to_string());
            }
        }
    }

    fn stats(self, sampled: bool, column: usize, cells: &dyn CellSource) -> Result<SentimentStats> {
        let scored = self.scored;
        let mean = |sum: &NeumaierSum| (scored > 0).then(|| sum.total() / scored as f64);
        let std = (scored > 1).then(|| (self.welford_m2 / (scored - 1) as f64).sqrt());

        let mut unread = Vec::new();
        for (_, row, text) in [&self.highest, &self.lowest].into_iter().flatten() {
            if text.is_none() {
                unread.push(*row);
            }
        }
        let mut read_again = if unread.is_empty() {
            Vec::new()
        } else {
            cells.texts(column, &unread)?
        }
        .into_iter();
        let mut scored_text = |extreme: Option<(f64, u64, Option<String>)>| {
            extreme.map(|(compound, row, text)| ScoredText {
                row,
                compound,
                text: text.unwrap_or_else(|| read_again.next().unwrap_or_default()),
            })
        };
        let most_positive = scored_text(self.highest);
        let most_negative = scored_text(self.lowest);

        Ok(SentimentStats {
            scored,
            sampled,
            mean_compound: mean(&self.compound),
            std_compound: std,
            positive: self.positive,
            neutral: self.neutral,
            negative: self.negative,
            mean_neg: mean(&self.neg),
            mean_neu: mean(&self.neu),
            mean_pos: mean(&self.pos),
            most_positive,
            most_negative,
            histogram: self.histogram.to_vec(),
        })
    }
}

/// Returns the histogram bin of a compound score, as `numpy.histogram(scores, bins=20, range=(-1, 1))`
/// assigns it: bin `i` contains the scores from edge `i` (included) to edge `i + 1` (excluded, but
/// included for the last bin), with edge `i` computed as `numpy.linspace` computes it. A score
/// on an edge, such as 0.3, therefore falls in the same bin as in numpy.
fn histogram_bin(compound: f64) -> usize {
    let bins = HISTOGRAM_BINS as f64;
    let step = 2.0 / bins;
    let edge = |index: usize| {
        if index == HISTOGRAM_BINS {
            1.0
        } else {
            index as f64 * step + -1.0
        }
    };

    // A first guess, then numpy's two corrections against the edges.
    let guess = ((compound - -1.0) / 2.0 * bins).clamp(0.0, bins - 1.0);
    let mut index = guess as usize;
    if compound < edge(index) && index > 0 {
        index -= 1;
    }
    if compound >= edge(index + 1) && index != HISTOGRAM_BINS - 1 {
        index += 1;
    }
    index
}

/// A sum with Neumaier's compensation, exact to a few units in the last place whatever the
/// number of terms, so its mean agrees with pandas' (pairwise) sum within 1e-9 relative.
#[derive(Debug, Clone, Copy, Default)]
struct NeumaierSum {
    sum: f64,
    compensation: f64,
}

impl NeumaierSum {
    fn add(&mut self, value: f64) {
        let total = self.sum + value;
        if self.sum.abs() >= value.abs() {
            self.compensation += (self.sum - total) + value;
        } else {
            self.compensation += (value - total) + self.sum;
        }
        self.sum = total;
    }

    fn total(&self) -> f64 {
        self.sum + self.compensation
    }
}

/// A fixed-size uniform sample of a stream of values, drawn by Li's Algorithm L: after the
/// sample is full, the number of values to skip before the next replacement is drawn
/// directly, so most values cost one comparison.
#[derive(Debug, Clone)]
struct Reservoir {
    drawn: Vec<(u64, Compact)>,
    random: SplitMix64,
    /// The running weight of Algorithm L.
    weight: f64,
    /// Index of the next value that enters the sample once it is full.
    next: u64,
}

impl Reservoir {
    fn new(seed: u64) -> Self {
        Self {
            drawn: Vec::new(),
            random: SplitMix64::new(seed ^ 0x5EED_5EA7_1AE5_0000),
            weight: 1.0,
            next: 0,
        }
    }

    /// Returns the slot of the value with this index (counted from 0) in a sample of `size`,
    /// or `None` when it is not sampled. The caller then calls [`Reservoir::place`].
    #[inline]
    fn slot_for(&mut self, index: u64, size: usize) -> Option<usize> {
        if index < size as u64 {
            if index + 1 == size as u64 {
                // Full from the next value on: draw the first skip.
                self.weight = (self.random.open_unit().ln() / size as f64).exp();
                self.next = index + 1 + self.skip();
            }
            // Grow by doubling, but never past the sample's size.
            let length = self.drawn.len();
            if length == self.drawn.capacity() {
                self.drawn.reserve_exact(length.max(64).min(size - length));
            }
            return Some(length);
        }
        if index != self.next {
            return None;
        }
        let slot = self.random.below(size as u64) as usize;
        self.weight *= (self.random.open_unit().ln() / size as f64).exp();
        self.next = index + 1 + self.skip();
        Some(slot)
    }

    fn skip(&mut self) -> u64 {
        let skip = (self.random.open_unit().ln() / (-self.weight).ln_1p()).floor();
        // The float-to-integer cast saturates, so a huge skip means "never again".
        skip as u64
    }

    fn place(&mut self, slot: usize, row: u64, scores: Compact) {
        if slot == self.drawn.len() {
            self.drawn.push((row, scores));
        } else {
            self.drawn[slot] = (row, scores);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct NoCells;

    impl CellSource for NoCells {
        fn texts(&self, _column: usize, rows: &[u64]) -> Result<Vec<String>> {
            Ok(rows.iter().map(|row| format!("row {row}")).collect())
        }
    }

    fn values(texts: &[String]) -> Vec<(u64, &str, Hash128)> {
        texts
            .iter()
            .enumerate()
            .map(|(row, text)| (row as u64, text.as_str(), Hash128::of(text.as_bytes())))
            .collect()
    }

    fn corpus(rows: usize) -> Vec<String> {
        let phrases = [
            "The soup was really good!",
            "Terrible service, never again.",
            "The train leaves at noon.",
            "I love this place :)",
            "Not bad at all",
            "worst. day. ever.",
        ];
        (0..rows)
            .map(|row| format!("{} #{}", phrases[row % phrases.len()], row % 97))
            .collect()
    }

    #[test]
    fn every_value_summarised_as_direct_computation() {
        let texts = corpus(1_000);
        let mut column = SentimentColumn::new(SentimentMode::Every);
        // Two chunks, to cross a chunk boundary.
        let all = values(&texts);
        column.add(&all[..400]);
        column.add(&all[400..]);
        let stats = column.finish(0, &NoCells).unwrap();

        let analyzer = SentimentAnalyzer::new();
        let scores: Vec<Sentiment> = texts.iter().map(|t| analyzer.polarity_scores(t)).collect();
        let compounds: Vec<f64> = scores.iter().map(|s| s.compound).collect();
        let mean = compounds.iter().sum::<f64>() / compounds.len() as f64;
        let variance = compounds.iter().map(|c| (c - mean).powi(2)).sum::<f64>()
            / (compounds.len() - 1) as f64;

        assert_eq!(stats.scored, 1_000);
        assert!(!stats.sampled);
        assert!((stats.mean_compound.unwrap() - mean).abs() <= 1e-12 * mean.abs().max(1.0));
        assert!((stats.std_compound.unwrap() - variance.sqrt()).abs() <= 1e-12);
        let positive = scores.iter().filter(|s| s.compound >= 0.05).count() as u64;
        let negative = scores.iter().filter(|s| s.compound <= -0.05).count() as u64;
        assert_eq!(stats.positive, positive);
        assert_eq!(stats.negative, negative);
        assert_eq!(stats.neutral, 1_000 - positive - negative);
        assert_eq!(stats.histogram.iter().sum::<u64>(), 1_000);

        let top = stats.most_positive.unwrap();
        let max = compounds.iter().cloned().fold(f64::MIN, f64::max);
        let first_max = compounds.iter().position(|&c| c == max).unwrap();
        assert_eq!((top.compound, top.row), (max, first_max as u64));
        assert_eq!(top.text, texts[first_max]);
        let low = stats.most_negative.unwrap();
        let min = compounds.iter().cloned().fold(f64::MAX, f64::min);
        assert_eq!(low.compound, min);
        assert_eq!(low.text, texts[low.row as usize]);
    }

    #[test]
    fn small_column_is_scored_whole_by_sample_mode() {
        let texts = corpus(300);
        let mut every = SentimentColumn::new(SentimentMode::Every);
        every.add(&values(&texts));
        let mut sample = SentimentColumn::new(SentimentMode::Sample { size: 300, seed: 1 });
        sample.add(&values(&texts));

        let every = every.finish(0, &NoCells).unwrap();
        let sample = sample.finish(0, &NoCells).unwrap();
        assert!(!sample.sampled);
        assert_eq!(sample.scored, every.scored);
        assert_eq!(sample.mean_compound, every.mean_compound);
        assert_eq!(sample.histogram, every.histogram);
        // The sample mode reads the extremes' texts from the cells.
        let row = every.most_positive.unwrap().row;
        assert_eq!(sample.most_positive.unwrap().text, format!("row {row}"));
    }

    #[test]
    fn sample_has_its_size_is_uniform_and_repeatable() {
        let size = 500;
        let rows = 20_000u64;
        let draw = |seed| {
            let mut reservoir = Reservoir::new(seed);
            for index in 0..rows {
                if let Some(slot) = reservoir.slot_for(index, size) {
                    let scores = Compact {
                        compound: 0,
                        neg: 0,
                        neu: 1000,
                        pos: 0,
                    };
                    reservoir.place(slot, index, scores);
                }
            }
            let mut rows: Vec<u64> = reservoir.drawn.iter().map(|(row, _)| *row).collect();
            rows.sort_unstable();
            rows
        };
        let first = draw(7);
        assert_eq!(first.len(), size);
        first.windows(2).for_each(|pair| assert!(pair[0] < pair[1]));
        assert_eq!(first, draw(7));
        assert_ne!(first, draw(8));

        // Each quarter of the rows contains about a quarter of the sample (binomial standard
        // deviation about 9.7; the bound is over 5 of them).
        for quarter in 0..4 {
            let start = quarter * rows / 4;
            let inside = first
                .iter()
                .filter(|&&row| (start..start + rows / 4).contains(&row))
                .count() as f64;
            assert!(
                (inside - size as f64 / 4.0).abs() < 50.0,
                "quarter {quarter}: {inside}"
            );
        }
    }

    #[test]
    fn sampled_summary_counts_only_the_sample() {
        let texts = corpus(5_000);
        let mut column = SentimentColumn::new(SentimentMode::Sample { size: 250, seed: 3 });
        column.add(&values(&texts));
        let stats = column.finish(0, &NoCells).unwrap();
        assert!(stats.sampled);
        assert_eq!(stats.scored, 250);
        assert_eq!(stats.positive + stats.neutral + stats.negative, 250);
    }

    #[test]
    fn empty_column_has_no_means() {
        let column = SentimentColumn::new(SentimentMode::Every);
        let stats = column.finish(0, &NoCells).unwrap();
        assert_eq!(stats.scored, 0);
        assert!(stats.mean_compound.is_none());
        assert!(stats.std_compound.is_none());
        assert!(stats.most_positive.is_none());
    }

    #[test]
    fn compact_scores_expand_to_the_same_values() {
        let analyzer = SentimentAnalyzer::new();
        for text in corpus(600) {
            let scores = analyzer.polarity_scores(&text);
            assert_eq!(Compact::of(&scores).expand(), scores, "{text}");
        }
        for units in -10_000..=10_000i16 {
            let scores = Sentiment {
                neg: f64::from(units.unsigned_abs() % 1001) / 1e3,
                neu: 0.5,
                pos: 0.25,
                compound: f64::from(units) / 1e4,
            };
            assert_eq!(Compact::of(&scores).expand(), scores);
        }
    }

    #[test]
    fn histogram_edges() {
        let mut summary = Summary::default();
        for compound in [-1.0, -0.95, 0.0, 0.9999, 1.0] {
            summary.add(
                0,
                &Sentiment {
                    neg: 0.0,
                    neu: 1.0,
                    pos: 0.0,
                    compound,
                },
            );
        }
        let histogram = summary.histogram;
        // numpy's edges: 0.1 * 13 - 1.0 is 0.30000000000000004, so 0.3 is in bin 12.
        assert_eq!(histogram_bin(0.3), 12);
        assert_eq!(histogram_bin(0.3000000000000001), 13);
        assert_eq!(histogram_bin(-0.9), 1);
        assert_eq!(histogram[0], 2);
        assert_eq!(histogram[1], 0);
        assert_eq!(histogram[10], 1);
        assert_eq!(histogram[HISTOGRAM_BINS - 1], 2);
    }
}
