//! Single quotes, double quotes and backslashes, with the exact POSIX rules.

use super::output;

#[test]
fn single_quotes_keep_everything() {
    assert_eq!(output("echo 'a  $x `y` \\n \"q\"'"), "a  $x `y` \\n \"q\"\n");
}

#[test]
fn double_quotes_expand_but_do_not_split() {
    assert_eq!(output("x='1  2'; echo \"[$x] [${x}] [$(echo c)] [$((1+1))]\""), "[1  2] [1  2] [c] [2]\n");
}

#[test]
fn backslash_in_double_quotes_escapes_only_special_characters() {
    assert_eq!(output("echo \"\\$x \\` \\\\ \\\" \\a \\n\""), "$x ` \\ \" \\a \\n\n");
}

#[test]
fn backslash_outside_quotes_quotes_the_next_character() {
    assert_eq!(output("echo \\a\\ b \\$x \\\\ \\'"), "a b $x \\ '\n");
}

#[test]
fn backslash_newline_continues_the_line_except_in_single_quotes() {
    assert_eq!(output("echo one\\\ntwo \"three\\\nfour\" 'five\\\nsix'"), "onetwo threefour five\\\nsix\n");
}

#[test]
fn adjacent_quoted_parts_form_one_word() {
    assert_eq!(output("args a'b'\"c\"d 'e f'\"g h\""), "[abcd][e fg h]\n");
}

#[test]
fn empty_quotes_make_empty_arguments() {
    assert_eq!(output("args '' \"\" x"), "[][][x]\n");
}

#[test]
fn quotes_inside_parameter_words() {
    assert_eq!(output("echo \"${u:-'q'}\" ${u:-'q'} \"${u:-\"d q\"}\""), "'q' q d q\n");
}

#[test]
fn dollar_without_name_is_literal() {
    assert_eq!(output("echo $ a$ \"$\" $%"), "$ a$ $ $%\n");
}

#[test]
fn backquotes_with_escaped_dollar() {
    assert_eq!(output("x=1; echo `echo \\$x`"), "1\n");
}

#[test]
fn heredoc_quoting_rules() {
    let script = "x=val\ncat <<EOF\n$x \\$x \"$x\" '$x' \\\\ \\a\nEOF\ncat <<'EOF'\n$x \\$x\nEOF\ncat <<\"E\"\n$x\nE\n";
    assert_eq!(output(script), "val $x \"val\" 'val' \\ \\a\n$x \\$x\n$x\n");
}
