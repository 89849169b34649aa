//! A rule-based label of what a prompt asks for.
//!
//! The rules look at the prompt's surface: code syntax or a request for code
//! first, then words of data analysis, then the form of a question, then an
//! imperative opening. They are a first approximation that heuristics can
//! group by; a prompt that fits none is [`Intent::Other`].

use std::fmt;

use serde::{Deserialize, Serialize};

/// What a prompt asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Intent {
    /// A question ("What is...?", "How do I...").
    Question,
    /// A request to do something ("Write a haiku", "List the...").
    Instruction,
    /// Code in the prompt, or a request to write or fix code.
    Code,
    /// A request to analyse, compare or summarise data.
    Analysis,
    /// None of the above.
    Other,
}

impl Intent {
    /// The label as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Question => "question",
            Intent::Instruction => "instruction",
            Intent::Code => "code",
            Intent::Analysis => "analysis",
            Intent::Other => "other",
        }
    }

    /// Parses a stored label; unknown labels become [`Intent::Other`].
    pub fn from_label(label: &str) -> Intent {
        match label {
            "question" => Intent::Question,
            "instruction" => Intent::Instruction,
            "code" => Intent::Code,
            "analysis" => Intent::Analysis,
            _ => Intent::Other,
        }
    }
}

impl fmt::Display for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Fragments that appear in source code far more often than in prose.
const CODE_MARKERS: &[&str] = &[
    "```",
    "fn ",
    "def ",
    "#include",
    "import ",
    "=>",
    "->",
    "();",
    "){",
    ") {",
    "};",
    "let ",
    "const ",
    "var ",
    "public static",
    "console.log",
    "print(",
    "select * from",
    "#!/",
];

/// Word pairs that ask for code to be written, fixed or explained.
const CODE_REQUESTS: &[&str] = &[
    "write a function",
    "write a script",
    "write a program",
    "write code",
    "a regex",
    "regular expression",
    "this code",
    "the code",
    "this function",
    "stack trace",
    "traceback",
    "compile error",
    "compiler error",
    "refactor",
    "unit test",
    "sql query",
];

/// Words of data analysis.
const ANALYSIS_WORDS: &[&str] = &[
    "analyse",
    "analyze",
    "analysis",
    "compare",
    "comparison",
    "correlation",
    "correlate",
    "dataset",
    "data set",
    "distribution",
    "trend",
    "trends",
    "statistics",
    "statistical",
    "summarise",
    "summarize",
    "summary",
    "mean",
    "median",
    "variance",
    "outlier",
    "outliers",
    "regression",
    "forecast",
    "csv",
    "insights",
    "breakdown",
];

/// Words that open a question.
const QUESTION_OPENERS: &[&str] = &[
    "what", "why", "how", "when", "where", "who", "whom", "whose", "which", "is", "are", "was",
    "were", "can", "could", "do", "does", "did", "should", "would", "will", "may", "might", "has",
    "have",
];

/// Verbs that open an instruction.
const INSTRUCTION_VERBS: &[&str] = &[
    "add",
    "build",
    "calculate",
    "change",
    "check",
    "convert",
    "create",
    "define",
    "describe",
    "draft",
    "explain",
    "find",
    "fix",
    "generate",
    "give",
    "help",
    "list",
    "make",
    "name",
    "please",
    "rewrite",
    "show",
    "suggest",
    "tell",
    "translate",
    "write",
];

/// Labels `prompt` with the first rule that matches: code, analysis, question,
/// instruction, or other.
pub fn classify(prompt: &str) -> Intent {
    let lower = prompt.to_lowercase();
    let trimmed = lower.trim();
    if trimmed.is_empty() {
        return Intent::Other;
    }

    if CODE_MARKERS.iter().any(|marker| lower.contains(marker))
        || CODE_REQUESTS.iter().any(|request| lower.contains(request))
    {
        return Intent::Code;
    }

    let words: Vec<&str> = trimmed
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|word| !word.is_empty())
        .collect();
    if ANALYSIS_WORDS.iter().any(|term| {
        if term.contains(' ') {
            lower.contains(term)
        } else {
            words.contains(term)
        }
    }) {
        return Intent::Analysis;
    }

    let first = words.first().copied().unwrap_or("");
    if trimmed.ends_with('?') || QUESTION_OPENERS.contains(&first) {
        return Intent::Question;
    }
    if INSTRUCTION_VERBS.contains(&first) {
        return Intent::Instruction;
    }
    Intent::Other
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_each_kind() {
        let cases = [
            ("How do I sort a list in Python?", Intent::Question),
            ("is rust memory safe", Intent::Question),
            ("The sky looks odd today?", Intent::Question),
            ("Write a haiku about autumn", Intent::Instruction),
            (
                "Please translate this to French: bonjour",
                Intent::Instruction,
            ),
            ("Write a function that reverses a string", Intent::Code),
            (
                "Why does `fn main() {}` not compile?\n```rust\nfn main() {}\n```",
                Intent::Code,
            ),
            ("SELECT * FROM users where id = 1", Intent::Code),
            (
                "Compare the sales trends of 2023 and 2024",
                Intent::Analysis,
            ),
            ("What is the median of this data set?", Intent::Analysis),
            ("Bonjour", Intent::Other),
            ("   ", Intent::Other),
        ];
        for (prompt, expected) in cases {
            assert_eq!(classify(prompt), expected, "prompt {prompt:?}");
        }
    }

    #[test]
    fn label_round_trips() {
        for intent in [
            Intent::Question,
            Intent::Instruction,
            Intent::Code,
            Intent::Analysis,
            Intent::Other,
        ] {
            assert_eq!(Intent::from_label(intent.as_str()), intent);
        }
    }
}
