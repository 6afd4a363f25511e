//! Arithmetic expansion `$((...))`: a C-like integer expression language over `i64` with shell variables.
//!
//! Addition, subtraction, multiplication, exponentiation and shifts wrap around like the machine integers of other
//! shells; division and remainder by zero are errors. `&&`, `||` and `?:` evaluate only the operand they need.

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::error::ArithError;
use crate::lexer::{is_name_char, is_name_start};

/// How deeply parentheses and unary operators may nest.
const MAX_NESTING: usize = 128;
/// How many variables may refer to further expressions in a chain (`a=b`, `b=c+1`).
const MAX_INDIRECTION: usize = 32;

/// Access to the shell variables an expression reads and assigns.
pub trait ArithVariables {
    /// The value of a variable, `None` when unset.
    fn get(&mut self, name: &str) -> Option<String>;
    /// Assigns a number to a variable.
    fn set(&mut self, name: &str, value: i64) -> Result<(), ArithError>;
}

/// Evaluates an arithmetic expression.
pub fn evaluate(text: &str, variables: &mut dyn ArithVariables) -> Result<i64, ArithError> {
    evaluate_at_depth(text, variables, 0)
}

fn evaluate_at_depth(text: &str, variables: &mut dyn ArithVariables, depth: usize) -> Result<i64, ArithError> {
    if depth > MAX_INDIRECTION {
        return Err(ArithError::TooDeep);
    }
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Ok(0);
    }
    let mut parser = ExprParser { tokens: &tokens, pos: 0, depth: 0 };
    let expr = parser.parse_comma()?;
    if let Some(token) = tokens.get(parser.pos) {
        return Err(ArithError::Syntax(token.to_text()));
    }
    Evaluator { variables, depth }.eval(&expr)
}

/// Parses an integer constant: decimal, `0x` hexadecimal, leading-`0` octal or `base#digits`.
pub fn parse_integer(text: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (base, digits) = if let Some((base, rest)) = digits.split_once('#') {
        (base.parse::<u32>().ok().filter(|b| (2..=36).contains(b))?, rest)
    } else if let Some(hex) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        (16, hex)
    } else if digits.len() > 1 && digits.starts_with('0') {
        (8, &digits[1..])
    } else {
        (10, digits)
    };
    if digits.is_empty() {
        return None;
    }
    let mut value: i64 = 0;
    for c in digits.chars() {
        let digit = i64::from(c.to_digit(base)?);
        value = value.wrapping_mul(i64::from(base)).wrapping_add(digit);
    }
    Some(if negative { value.wrapping_neg() } else { value })
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Number(i64),
    Name(String),
    Op(&'static str),
}

impl Token {
    fn to_text(&self) -> String {
        match self {
            Token::Number(n) => n.to_string(),
            Token::Name(name) => name.clone(),
            Token::Op(op) => String::from(*op),
        }
    }
}

const OPERATORS: [&str; 35] = [
    "<<=", ">>=", "**", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=",
    "^=", "|=", "+", "-", "*", "/", "%", "<", ">", "&", "|", "^", "!", "~", "?", ":",
];
const SINGLE_OPERATORS: [&str; 4] = ["=", ",", "(", ")"];

fn tokenize(text: &str) -> Result<Vec<Token>, ArithError> {
    let mut tokens = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
        } else if c.is_ascii_digit() {
            let length =
                rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '#' || c == '_')).unwrap_or(rest.len());
            let number =
                parse_integer(&rest[..length]).ok_or_else(|| ArithError::Syntax(String::from(&rest[..length])))?;
            tokens.push(Token::Number(number));
            rest = &rest[length..];
        } else if is_name_start(c) {
            let length = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
            tokens.push(Token::Name(String::from(&rest[..length])));
            rest = &rest[length..];
        } else if let Some(op) = OPERATORS.iter().chain(SINGLE_OPERATORS.iter()).find(|op| rest.starts_with(**op)) {
            tokens.push(Token::Op(op));
            rest = &rest[op.len()..];
        } else {
            return Err(ArithError::Syntax(String::from(rest)));
        }
    }
    Ok(tokens)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Binary {
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    Power,
    ShiftLeft,
    ShiftRight,
    BitAnd,
    BitOr,
    BitXor,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Equal,
    NotEqual,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unary {
    Negate,
    Plus,
    Not,
    Complement,
}

#[derive(Clone, Debug, PartialEq)]
enum Expr {
    Number(i64),
    Variable(String),
    Unary(Unary, Box<Expr>),
    Binary(Binary, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    Assign { name: String, operator: Option<Binary>, value: Box<Expr> },
    Increment { name: String, delta: i64, prefix: bool },
    Comma(Box<Expr>, Box<Expr>),
}

/// Binary operators by precedence level, loosest first (`||`, `&&`, `?:` and `**` are handled apart).
const LEVELS: [&[(&str, Binary)]; 8] = [
    &[("|", Binary::BitOr)],
    &[("^", Binary::BitXor)],
    &[("&", Binary::BitAnd)],
    &[("==", Binary::Equal), ("!=", Binary::NotEqual)],
    &[("<", Binary::Less), ("<=", Binary::LessEqual), (">", Binary::Greater), (">=", Binary::GreaterEqual)],
    &[("<<", Binary::ShiftLeft), (">>", Binary::ShiftRight)],
    &[("+", Binary::Add), ("-", Binary::Subtract)],
    &[("*", Binary::Multiply), ("/", Binary::Divide), ("%", Binary::Remainder)],
];

const COMPOUND_ASSIGNMENTS: [(&str, Binary); 10] = [
    ("+=", Binary::Add),
    ("-=", Binary::Subtract),
    ("*=", Binary::Multiply),
    ("/=", Binary::Divide),
    ("%=", Binary::Remainder),
    ("<<=", Binary::ShiftLeft),
    (">>=", Binary::ShiftRight),
    ("&=", Binary::BitAnd),
    ("^=", Binary::BitXor),
    ("|=", Binary::BitOr),
];

struct ExprParser<'t> {
    tokens: &'t [Token],
    pos: usize,
    depth: usize,
}

impl ExprParser<'_> {
    fn peek_op(&self) -> Option<&'static str> {
        match self.tokens.get(self.pos) {
            Some(Token::Op(op)) => Some(op),
            _ => None,
        }
    }

    fn eat(&mut self, op: &str) -> bool {
        let found = self.peek_op() == Some(op);
        if found {
            self.pos += 1;
        }
        found
    }

    fn error(&self) -> ArithError {
        match self.tokens.get(self.pos) {
            Some(token) => ArithError::Syntax(token.to_text()),
            None => ArithError::Syntax(String::from("end of expression")),
        }
    }

    fn expect(&mut self, op: &str) -> Result<(), ArithError> {
        if self.eat(op) { Ok(()) } else { Err(self.error()) }
    }

    fn nested<T>(&mut self, parse: impl FnOnce(&mut Self) -> Result<T, ArithError>) -> Result<T, ArithError> {
        if self.depth >= MAX_NESTING {
            return Err(ArithError::TooDeep);
        }
        self.depth += 1;
        let result = parse(self);
        self.depth -= 1;
        result
    }

    fn parse_comma(&mut self) -> Result<Expr, ArithError> {
        let mut expr = self.parse_assignment()?;
        while self.eat(",") {
            expr = Expr::Comma(Box::new(expr), Box::new(self.parse_assignment()?));
        }
        Ok(expr)
    }

    fn parse_assignment(&mut self) -> Result<Expr, ArithError> {
        if let (Some(Token::Name(name)), Some(Token::Op(op))) =
            (self.tokens.get(self.pos), self.tokens.get(self.pos + 1))
        {
            let operator = if *op == "=" {
                Some(None)
            } else {
                COMPOUND_ASSIGNMENTS.iter().find(|(text, _)| text == op).map(|(_, binary)| Some(*binary))
            };
            if let Some(operator) = operator {
                let name = name.clone();
                self.pos += 2;
                let value = self.nested(Self::parse_assignment)?;
                return Ok(Expr::Assign { name, operator, value: Box::new(value) });
            }
        }
        self.parse_conditional()
    }

    fn parse_conditional(&mut self) -> Result<Expr, ArithError> {
        let condition = self.parse_or()?;
        if !self.eat("?") {
            return Ok(condition);
        }
        let then = self.nested(Self::parse_comma)?;
        self.expect(":")?;
        let otherwise = self.nested(Self::parse_assignment)?;
        Ok(Expr::Conditional(Box::new(condition), Box::new(then), Box::new(otherwise)))
    }

    fn parse_or(&mut self) -> Result<Expr, ArithError> {
        let mut expr = self.parse_and()?;
        while self.eat("||") {
            expr = Expr::Or(Box::new(expr), Box::new(self.parse_and()?));
        }
        Ok(expr)
    }

    fn parse_and(&mut self) -> Result<Expr, ArithError> {
        let mut expr = self.parse_level(0)?;
        while self.eat("&&") {
            expr = Expr::And(Box::new(expr), Box::new(self.parse_level(0)?));
        }
        Ok(expr)
    }

    fn parse_level(&mut self, level: usize) -> Result<Expr, ArithError> {
        let Some(operators) = LEVELS.get(level) else { return self.parse_power() };
        let mut expr = self.parse_level(level + 1)?;
        while let Some(op) = self.peek_op() {
            let Some((_, binary)) = operators.iter().find(|(text, _)| *text == op) else { break };
            self.pos += 1;
            expr = Expr::Binary(*binary, Box::new(expr), Box::new(self.parse_level(level + 1)?));
        }
        Ok(expr)
    }

    fn parse_power(&mut self) -> Result<Expr, ArithError> {
        let base = self.parse_unary()?;
        if self.eat("**") {
            let exponent = self.nested(Self::parse_power)?;
            return Ok(Expr::Binary(Binary::Power, Box::new(base), Box::new(exponent)));
        }
        Ok(base)
    }

    fn parse_unary(&mut self) -> Result<Expr, ArithError> {
        let unary = match self.peek_op() {
            Some("-") => Unary::Negate,
            Some("+") => Unary::Plus,
            Some("!") => Unary::Not,
            Some("~") => Unary::Complement,
            Some(op @ ("++" | "--")) => {
                self.pos += 1;
                let Some(Token::Name(name)) = self.tokens.get(self.pos) else { return Err(self.error()) };
                self.pos += 1;
                let delta = if op == "++" { 1 } else { -1 };
                return Ok(Expr::Increment { name: name.clone(), delta, prefix: true });
            }
            _ => return self.parse_postfix(),
        };
        self.pos += 1;
        let operand = self.nested(Self::parse_unary)?;
        Ok(Expr::Unary(unary, Box::new(operand)))
    }

    fn parse_postfix(&mut self) -> Result<Expr, ArithError> {
        match self.tokens.get(self.pos) {
            Some(Token::Number(n)) => {
                self.pos += 1;
                Ok(Expr::Number(*n))
            }
            Some(Token::Name(name)) => {
                let name = name.clone();
                self.pos += 1;
                let delta = match self.peek_op() {
                    Some("++") => 1,
                    Some("--") => -1,
                    _ => return Ok(Expr::Variable(name)),
                };
                self.pos += 1;
                Ok(Expr::Increment { name, delta, prefix: false })
            }
            Some(Token::Op("(")) => {
                self.pos += 1;
                let expr = self.nested(Self::parse_comma)?;
                self.expect(")")?;
                Ok(expr)
            }
            _ => Err(self.error()),
        }
    }
}

struct Evaluator<'v> {
    variables: &'v mut dyn ArithVariables,
    depth: usize,
}

impl Evaluator<'_> {
    fn variable(&mut self, name: &str) -> Result<i64, ArithError> {
        let Some(value) = self.variables.get(name) else { return Ok(0) };
        if value.trim().is_empty() {
            return Ok(0);
        }
        match parse_integer(&value) {
            Some(number) => Ok(number),
            None => evaluate_at_depth(&value, self.variables, self.depth + 1),
        }
    }

    fn eval(&mut self, expr: &Expr) -> Result<i64, ArithError> {
        Ok(match expr {
            Expr::Number(n) => *n,
            Expr::Variable(name) => self.variable(name)?,
            Expr::Unary(op, operand) => {
                let value = self.eval(operand)?;
                match op {
                    Unary::Negate => value.wrapping_neg(),
                    Unary::Plus => value,
                    Unary::Not => i64::from(value == 0),
                    Unary::Complement => !value,
                }
            }
            Expr::Binary(op, left, right) => {
                let left = self.eval(left)?;
                let right = self.eval(right)?;
                apply(*op, left, right)?
            }
            Expr::And(left, right) => i64::from(self.eval(left)? != 0 && self.eval(right)? != 0),
            Expr::Or(left, right) => i64::from(self.eval(left)? != 0 || self.eval(right)? != 0),
            Expr::Conditional(condition, then, otherwise) => {
                if self.eval(condition)? != 0 {
                    self.eval(then)?
                } else {
                    self.eval(otherwise)?
                }
            }
            Expr::Assign { name, operator, value } => {
                let value = self.eval(value)?;
                let value = match operator {
                    Some(op) => apply(*op, self.variable(name)?, value)?,
                    None => value,
                };
                self.variables.set(name, value)?;
                value
            }
            Expr::Increment { name, delta, prefix } => {
                let old = self.variable(name)?;
                let new = old.wrapping_add(*delta);
                self.variables.set(name, new)?;
                if *prefix { new } else { old }
            }
            Expr::Comma(first, second) => {
                self.eval(first)?;
                self.eval(second)?
            }
        })
    }
}

fn apply(op: Binary, left: i64, right: i64) -> Result<i64, ArithError> {
    Ok(match op {
        Binary::Add => left.wrapping_add(right),
        Binary::Subtract => left.wrapping_sub(right),
        Binary::Multiply => left.wrapping_mul(right),
        Binary::Divide | Binary::Remainder if right == 0 => return Err(ArithError::DivisionByZero),
        Binary::Divide => left.wrapping_div(right),
        Binary::Remainder => left.wrapping_rem(right),
        Binary::Power if right < 0 => return Err(ArithError::NegativeExponent),
        Binary::Power => left.wrapping_pow(u32::try_from(right).unwrap_or(u32::MAX)),
        Binary::ShiftLeft => left.wrapping_shl(right as u32),
        Binary::ShiftRight => left.wrapping_shr(right as u32),
        Binary::BitAnd => left & right,
        Binary::BitOr => left | right,
        Binary::BitXor => left ^ right,
        Binary::Less => i64::from(left < right),
        Binary::LessEqual => i64::from(left <= right),
        Binary::Greater => i64::from(left > right),
        Binary::GreaterEqual => i64::from(left >= right),
        Binary::Equal => i64::from(left == right),
        Binary::NotEqual => i64::from(left != right),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;

    #[derive(Default)]
    struct Vars(BTreeMap<String, String>);

    impl ArithVariables for Vars {
        fn get(&mut self, name: &str) -> Option<String> {
            self.0.get(name).cloned()
        }
        fn set(&mut self, name: &str, value: i64) -> Result<(), ArithError> {
            self.0.insert(String::from(name), value.to_string());
            Ok(())
        }
    }

    fn eval(text: &str) -> Result<i64, ArithError> {
        evaluate(text, &mut Vars::default())
    }

    #[test]
    fn precedence_follows_c() {
        assert_eq!(eval("1 + 2 * 3"), Ok(7));
        assert_eq!(eval("(1 + 2) * 3"), Ok(9));
        assert_eq!(eval("1 << 2 + 1"), Ok(8));
        assert_eq!(eval("7 & 3 | 8 ^ 1"), Ok(11));
        assert_eq!(eval("2 ** 3 ** 2"), Ok(512));
        assert_eq!(eval("-2 ** 2"), Ok(4));
        assert_eq!(eval("10 - 2 - 3"), Ok(5));
    }

    #[test]
    fn comparisons_and_logic_give_zero_or_one() {
        assert_eq!(eval("3 > 2 && 2 >= 2 && 1 != 2"), Ok(1));
        assert_eq!(eval("!5 || 0"), Ok(0));
        assert_eq!(eval("~0"), Ok(-1));
        assert_eq!(eval("1 ? 10 : 20"), Ok(10));
        assert_eq!(eval("0 ? 10 : 0 ? 20 : 30"), Ok(30));
    }

    #[test]
    fn division_by_zero_is_an_error() {
        assert_eq!(eval("1 / 0"), Err(ArithError::DivisionByZero));
        assert_eq!(eval("1 % 0"), Err(ArithError::DivisionByZero));
        assert_eq!(eval("2 ** -1"), Err(ArithError::NegativeExponent));
    }

    #[test]
    fn overflow_wraps_instead_of_panicking() {
        assert_eq!(eval("9223372036854775807 + 1"), Ok(i64::MIN));
        assert_eq!(eval("-9223372036854775807 - 1 / -1"), Ok(-9223372036854775806));
        assert_eq!(eval("(-9223372036854775807 - 1) / -1"), Ok(i64::MIN));
        assert_eq!(eval("1 << 200"), Ok(256));
    }

    #[test]
    fn numbers_in_other_bases() {
        assert_eq!(eval("0x1f + 010 + 2#101"), Ok(31 + 8 + 5));
        assert!(eval("09").is_err());
    }

    #[test]
    fn assignments_update_variables() {
        let mut vars = Vars::default();
        assert_eq!(evaluate("x = 5, x += 2, x *= 3", &mut vars), Ok(21));
        assert_eq!(evaluate("x++ + ++x", &mut vars), Ok(21 + 23));
        assert_eq!(vars.0["x"], "23");
        assert_eq!(evaluate("y = x-- , y - x", &mut vars), Ok(1));
    }

    #[test]
    fn short_circuit_skips_assignments() {
        let mut vars = Vars::default();
        assert_eq!(evaluate("0 && (z = 1)", &mut vars), Ok(0));
        assert_eq!(evaluate("1 || (z = 1)", &mut vars), Ok(1));
        assert_eq!(evaluate("1 ? 2 : (z = 1)", &mut vars), Ok(2));
        assert!(!vars.0.contains_key("z"));
    }

    #[test]
    fn variables_holding_expressions_are_evaluated() {
        let mut vars = Vars::default();
        vars.0.insert(String::from("a"), String::from("b + 1"));
        vars.0.insert(String::from("b"), String::from("4"));
        assert_eq!(evaluate("a * 2", &mut vars), Ok(10));
        vars.0.insert(String::from("loop"), String::from("loop"));
        assert_eq!(evaluate("loop", &mut vars), Err(ArithError::TooDeep));
    }

    #[test]
    fn malformed_expressions_are_syntax_errors() {
        assert!(matches!(eval("1 +"), Err(ArithError::Syntax(_))));
        assert!(matches!(eval("(1"), Err(ArithError::Syntax(_))));
        assert!(matches!(eval("1 2"), Err(ArithError::Syntax(_))));
        assert!(matches!(eval("$"), Err(ArithError::Syntax(_))));
        assert_eq!(eval("   "), Ok(0));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let text = "(".repeat(1000) + "1" + &")".repeat(1000);
        assert_eq!(eval(&text), Err(ArithError::TooDeep));
        assert_eq!(eval(&("!".repeat(1000) + "1")), Err(ArithError::TooDeep));
    }
}
