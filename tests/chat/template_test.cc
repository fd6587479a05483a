// Unit tests of the chat-template interpreter on small templates of our own: every statement,
// expressions, filters, tests, Python value formatting, whitespace control, errors with line and
// column, and the limits that protect against hostile templates. Expected outputs were produced
// with Jinja2 3.1 configured as transformers configures it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "chat/chat_format.h"
#include "chat/template.h"

namespace edgellm::chat {
namespace {

using nlohmann::ordered_json;

Result<std::string> render(const std::string& src, const std::string& ctx_json = "{}",
                           RenderOptions opt = {}) {
  if (opt.strftime_date.empty()) opt.strftime_date = "2026-01-15";
  EDGELLM_ASSIGN_OR_RETURN(Template t, Template::parse(src));
  return t.render(ordered_json::parse(ctx_json), opt);
}

struct Case {
  const char* name;
  const char* tmpl;
  const char* ctx;
  const char* expected;
};

// clang-format off
const Case kCases[] = {
    {"if_elif_else", R"J({% for x in [1,2,3] %}{% if x == 1 %}one{% elif x == 2 %}two{% else %}many{% endif %},{% endfor %})J",
     R"J({})J",
     R"J(one,two,many,)J"},
    {"for_loop_vars", R"J({% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %})J",
     R"J({})J",
     R"J(1032TrueFalse3|2121FalseFalse3|3210FalseTrue3|)J"},
    {"for_prev_next", R"J({% for x in [1,2,3] %}[{{ loop.previtem }}/{{ loop.nextitem }}]{% endfor %})J",
     R"J({})J",
     R"J([/2][1/3][2/])J"},
    {"for_cycle", R"J({% for x in range(5) %}{{ loop.cycle('a','b') }}{% endfor %})J",
     R"J({})J",
     R"J(ababa)J"},
    {"for_else", R"J({% for x in [] %}x{% else %}empty{% endfor %})J",
     R"J({})J",
     R"J(empty)J"},
    {"for_if_filter", R"J({% for x in range(10) if x is odd %}{{ x }}{{ loop.length }};{% endfor %})J",
     R"J({})J",
     R"J(15;35;55;75;95;)J"},
    {"for_unpack_items", R"J({% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %})J",
     R"J({"d": {"b": 1, "a": 2}})J",
     R"J(b=1;a=2;)J"},
    {"for_dict_keys", R"J({% for k in d %}{{ k }}{% endfor %})J",
     R"J({"d": {"z": 1, "y": 2}})J",
     R"J(zy)J"},
    {"break_continue", R"J({% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %})J",
     R"J({})J",
     R"J(0134)J"},
    {"loop_scope", R"J({% set x = 1 %}{% for i in range(3) %}{% set x = x + i %}{{ x }}{% endfor %}|{{ x }})J",
     R"J({})J",
     R"J(123|1)J"},
    {"namespace", R"J({% set ns = namespace(total=0, items=[]) %}{% for i in range(4) %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }})J",
     R"J({})J",
     R"J(6)J"},
    {"set_block", R"J({% set body %}Hello {{ name }}!{% endset %}[{{ body }}])J",
     R"J({"name": "Ann"})J",
     R"J([Hello Ann!])J"},
    {"set_block_filter", R"J({% set body | upper %}abc{% endset %}{{ body }})J",
     R"J({})J",
     R"J(ABC)J"},
    {"set_tuple", R"J({% set a, b = 1, 2 %}{{ a }}{{ b }})J",
     R"J({})J",
     R"J(12)J"},
    {"macro", R"J({% macro greet(name, greeting='Hi') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Bob') }} {{ greet('Al', greeting='Yo') }})J",
     R"J({})J",
     R"J(Hi, Bob! Yo, Al!)J"},
    {"macro_recursion", R"J({% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(4) }})J",
     R"J({})J",
     R"J(4321)J"},
    {"call_block", R"J({% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}bold{% endcall %})J",
     R"J({})J",
     R"J(<b>bold</b>)J"},
    {"call_block_args", R"J({% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(item) each([1,2]) %}<{{ item }}>{% endcall %})J",
     R"J({})J",
     R"J(<1><2>)J"},
    {"filter_block", R"J({% filter upper %}shout {{ 'it' }}{% endfilter %})J",
     R"J({})J",
     R"J(SHOUT IT)J"},
    {"generation_block", R"J(a{% generation %}b{{ 1 + 1 }}{% endgeneration %}c)J",
     R"J({})J",
     R"J(ab2c)J"},
    {"raw_block", R"J({% raw %}{{ not evaluated }}{% endraw %})J",
     R"J({})J",
     R"J({{ not evaluated }})J"},
    {"with_block", R"J({% with a = 2, b = 3 %}{{ a * b }}{% endwith %})J",
     R"J({})J",
     R"J(6)J"},
    {"ws_dash", R"J(a  {{- ' b ' -}}  c {%- if true -%}  d  {%- endif -%} e {#- note -#} f)J",
     R"J({})J",
     R"J(a b cdef)J"},
    {"trim_lstrip_blocks", R"J(<ul>
  {% for x in [1, 2] %}
  <li>{{ x }}</li>
  {% endfor %}
</ul>
)J",
     R"J({})J",
     R"J(<ul>
  <li>1</li>
  <li>2</li>
</ul>)J"},
    {"comment_trim", R"J(a
{# comment #}
b)J",
     R"J({})J",
     R"J(a
b)J"},
    {"plus_disables_lstrip", R"J(x
  {%+ if true %}y{% endif %})J",
     R"J({})J",
     R"J(x
  y)J"},
    {"literals", R"J({{ 'a\tb\n' }}{{ "q\"" }}{{ 42 }}{{ 4.5 }}{{ true }}{{ True }}{{ none }}{{ None }}{{ 1_000 }}{{ 1e3 }})J",
     R"J({})J",
     R"J(a	b
q"424.5TrueTrueNoneNone10001000.0)J"},
    {"repr_list_dict", R"J({{ [1, 'a', none, true, 1.5, ["it's"]] }} {{ {'k': 'v', 'n': [1]} }} {{ (1,) }} {{ (1, 2) }})J",
     R"J({})J",
     R"J([1, 'a', None, True, 1.5, ["it's"]] {'k': 'v', 'n': [1]} (1,) (1, 2))J"},
    {"repr_unicode", R"J({{ ['é', 'a\nb', 'x\\y'] }})J",
     R"J({})J",
     R"J(['é', 'a\nb', 'x\\y'])J"},
    {"float_str", R"J({{ 1.0 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e-5 }} {{ 123456789.125 }} {{ 10 / 4 }} {{ 2.5e-4 }} {{ -0.0 }})J",
     R"J({})J",
     R"J(1.0 0.30000000000000004 1e+16 1e-05 123456789.125 2.5 0.00025 -0.0)J"},
    {"arith", R"J({{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 10 }} {{ 7 / 2 }} {{ 3 - 5 }} {{ 2 * 3.0 }} {{ -7.5 // 2 }})J",
     R"J({})J",
     R"J(3 -4 1 2 1024 3.5 -2 6.0 -4.0)J"},
    {"concat", R"J({{ 'a' ~ 1 ~ none ~ undefined_var }} {{ 'x' + 'y' }} {{ [1] + [2, 3] }} {{ 'ab' * 3 }} {{ [0] * 2 }})J",
     R"J({})J",
     R"J(a1None xy [1, 2, 3] ababab [0, 0])J"},
    {"compare", R"J({{ 1 < 2 < 3 }} {{ 1 == 1.0 }} {{ 'a' != 'b' }} {{ 'b' >= 'a' }} {{ 2 in [1, 2] }} {{ 'x' not in 'abc' }} {{ 'k' in {'k': 1} }} {{ [1, 2] == [1, 2] }})J",
     R"J({})J",
     R"J(True True True True True True True True)J"},
    {"logic", R"J({{ 0 or 'x' }} {{ 1 and 'y' }} {{ not 0 }} {{ '' or [] }} {{ none and 1 }})J",
     R"J({})J",
     R"J(x y True [] None)J"},
    {"cond_expr", R"J({{ 'yes' if 1 else 'no' }} [{{ 'yes' if 0 }}] {{ 'a' if false else 'b' if true else 'c' }})J",
     R"J({})J",
     R"J(yes [] b)J"},
    {"attr_subscript", R"J({{ d.a }} {{ d['b'][1] }} {{ xs[-1] }} {{ xs.0 }} {{ d.missing is defined }} {{ xs[10] is defined }})J",
     R"J({"d": {"a": 1, "b": [5, 6]}, "xs": [7, 8, 9]})J",
     R"J(1 6 9 7 False False)J"},
    {"slicing", R"J({{ xs[1:] }} {{ xs[:-1] }} {{ xs[::-1] }} {{ xs[::2] }} {{ 'hello'[1:3] }} {{ 'héllo'[::-1] }} {{ xs[-2:] }})J",
     R"J({"xs": [1, 2, 3, 4]})J",
     R"J([2, 3, 4] [1, 2, 3] [4, 3, 2, 1] [1, 3] el olléh [3, 4])J"},
    {"tests", R"J({{ x is defined }}{{ y is undefined }}{{ none is none }}{{ 'a' is string }}{{ 1 is number }}{{ 1 is integer }}{{ 1.0 is float }}{{ {} is mapping }}{{ [] is iterable }}{{ 'a' is sequence }}{{ true is boolean }}{{ true is true }}{{ false is false }}{{ 4 is even }}{{ 3 is odd }}{{ 9 is divisibleby 3 }}{{ 'a' is equalto 'a' }}{{ 1 is eq 1 }}{{ 1 is ne 2 }}{{ 'ab' is lower }}{{ 'AB' is upper }}{{ 2 is in [1, 2] }}{{ range is callable }}{{ none is sameas none }}{{ 1 is not string }})J",
     R"J({"x": 1})J",
     R"J(TrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrue)J"},
    {"filter_tojson", R"J({{ d | tojson }}|{{ d | tojson(indent=2) }}|{{ 'é"\n' | tojson }}|{{ [1.0, 2, none, true] | tojson }}|{{ {} | tojson(indent=2) }}|{{ d | tojson(sort_keys=true) }})J",
     R"J({"d": {"b": [1, {"c": "x"}], "a": null}})J",
     R"J({"b": [1, {"c": "x"}], "a": null}|{
  "b": [
    1,
    {
      "c": "x"
    }
  ],
  "a": null
}|"é\"\n"|[1.0, 2, null, true]|{}|{"a": null, "b": [1, {"c": "x"}]})J"},
    {"filter_strings", R"J([{{ '  a b  ' | trim }}][{{ 'ab' | upper }}][{{ 'AB' | lower }}][{{ 'hello world' | title }}][{{ 'hELLO' | capitalize }}][{{ 'aXa' | replace('a', 'b') }}][{{ 'xx' | center(6) }}][{{ 'a b  c' | wordcount }}])J",
     R"J({})J",
     R"J([a b][AB][ab][Hello World][Hello][bXb][  xx  ][3])J"},
    {"filter_length_join", R"J({{ [1, 2] | length }} {{ 'héllo' | length }} {{ {'a': 1} | count }} {{ [1, 2, 3] | join('-') }} {{ xs | join(', ', attribute='n') }})J",
     R"J({"xs": [{"n": "a"}, {"n": "b"}]})J",
     R"J(2 5 1 1-2-3 a, b)J"},
    {"filter_map_select", R"J({{ xs | map(attribute='n') | list }} {{ ['a', 'b'] | map('upper') | join }} {{ [1, 2, 3, 4] | select('even') | list }} {{ [1, 2, 3] | reject('odd') | list }} {{ xs | selectattr('n', 'equalto', 'b') | list }} {{ xs | rejectattr('n', 'equalto', 'b') | map(attribute='n') | first }})J",
     R"J({"xs": [{"n": "a"}, {"n": "b"}]})J",
     R"J(['a', 'b'] AB [2, 4] [2] [{'n': 'b'}] a)J"},
    {"filter_first_last_default", R"J({{ [1, 2] | first }}{{ [1, 2] | last }}{{ missing | default('d') }}{{ '' | default('e', true) }}{{ '' | default('f') }}{{ none | d('g') }})J",
     R"J({})J",
     R"J(12deNone)J"},
    {"filter_items_list_string", R"J({{ d | items | list }} {{ 'ab' | list }} {{ 12 | string }} {{ '42' | int + 1 }} {{ '3.5' | float }} {{ -3 | abs }} {{ 2.567 | round(2) }} {{ 2.5 | round }} {{ 'x' | int }})J",
     R"J({"d": {"a": 1}})J",
     R"J([('a', 1)] ['a', 'b'] 12 43 3.5 3 2.57 2.0 0)J"},
    {"filter_indent", R"J({{ 'a\nb\n\nc' | indent(2) }}|{{ 'a\nb' | indent(4, first=true) }}|{{ 'a\n\nb' | indent(2, blank=true) }})J",
     R"J({})J",
     R"J(a
  b

  c|    a
    b|a
  
  b)J"},
    {"filter_sort_unique", R"J({{ [3, 1, 2] | sort }} {{ [3, 1, 2] | sort(reverse=true) }} {{ xs | sort(attribute='n') | map(attribute='n') | join }} {{ ['a', 'A', 'b'] | unique | list }} {{ {'b': 1, 'a': 2} | dictsort }} {{ [1, 2, 3] | reverse | list }} {{ 'abc' | reverse }})J",
     R"J({"xs": [{"n": "b"}, {"n": "a"}]})J",
     R"J([1, 2, 3] [3, 2, 1] ab ['a', 'b'] [('a', 2), ('b', 1)] [3, 2, 1] cba)J"},
    {"filter_sum_min_max_batch", R"J({{ [1, 2, 3] | sum }} {{ [3, 1, 2] | min }} {{ [3, 1, 2] | max }} {{ [1, 2, 3, 4, 5] | batch(2) | list }} {{ '%s-%d' | format('a', 3) }})J",
     R"J({})J",
     R"J(6 1 3 [[1, 2], [3, 4], [5]] a-3)J"},
    {"filter_safe_escape", R"J({{ '<b>' | escape }} {{ '<i>' | safe }} {{ ('<' | safe) + '<' }} {{ '<' ~ ('<' | safe) }})J",
     R"J({})J",
     R"J(&lt;b&gt; <i> <&lt; <<)J"},
    {"str_methods", R"J({{ '  x  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ '  x'.lstrip() }}|{{ 'x  '.rstrip() }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'a,b,c'.rsplit(',', 1) }}|{{ 'abc'.startswith('ab') }}|{{ 'abc'.endswith(('x', 'c')) }}|{{ 'aaa'.replace('a', 'b', 2) }}|{{ 'abcb'.find('b') }}|{{ 'abcb'.rfind('b') }}|{{ 'abcb'.count('b') }}|{{ '-'.join(['a', 'b']) }}|{{ 'a\nb\r\nc'.splitlines() }}|{{ '12'.isdigit() }}|{{ 'ab'.isalpha() }}|{{ ' '.isspace() }}|{{ '{} is {}'.format('x', 1) }}|{{ 'Hello'.upper() }}{{ 'Hello'.lower() }})J",
     R"J({})J",
     R"J(x|a|x|x|['a', 'b', '', 'c']|['a', 'b']|['a', 'b,c']|['a,b', 'c']|True|True|bba|1|3|2|a-b|['a', 'b', 'c']|True|True|True|x is 1|HELLOhello)J"},
    {"dict_methods", R"J({{ d.get('a') }} {{ d.get('z', 'def') }} {{ d.get('z') }} {{ d.keys() | list }} {{ d.values() | list }} {{ d.items() | list }})J",
     R"J({"d": {"a": 1, "b": 2}})J",
     R"J(1 def None ['a', 'b'] [1, 2] [('a', 1), ('b', 2)])J"},
    {"globals", R"J({{ range(3) | list }} {{ range(1, 7, 2) | list }} {{ dict(a=1, b=2) }} {{ namespace(x=1).x }})J",
     R"J({})J",
     R"J([0, 1, 2] [1, 3, 5] {'a': 1, 'b': 2} 1)J"},
    {"strftime", R"J({{ strftime_now('%Y-%m-%d %d %B %Y') }})J",
     R"J({})J",
     R"J(2026-01-15 15 January 2026)J"},
    {"python_truthiness", R"J({% if [] %}a{% endif %}{% if {} %}b{% endif %}{% if '' %}c{% endif %}{% if 0.0 %}d{% endif %}{% if [0] %}e{% endif %}{% if undefined_thing %}f{% endif %}{% if 'x' %}g{% endif %})J",
     R"J({})J",
     R"J(eg)J"},
    {"dict_order_kept", R"J({{ d }} {{ d | tojson }})J",
     R"J({"d": {"z": 1, "a": 2, "m": 3}})J",
     R"J({'z': 1, 'a': 2, 'm': 3} {"z": 1, "a": 2, "m": 3})J"},
    {"messages_like", R"J({%- for m in messages -%}<|{{ m.role }}|>{{ m.content | trim }}
{% endfor -%}{%- if add_generation_prompt %}<|assistant|>{% endif %})J",
     R"J({"messages": [{"role": "user", "content": " hi "}, {"role": "assistant", "content": "yo"}], "add_generation_prompt": true})J",
     R"J(<|user|>hi
<|assistant|>yo
<|assistant|>)J"},
};

struct ErrorCase {
  const char* name;
  const char* tmpl;
  const char* ctx;
};

const ErrorCase kErrorCases[] = {
    {"raise_exception", R"J({{ raise_exception('bad role') }})J", R"J({})J"},  // TemplateError: bad role
    {"undefined_attr", R"J({{ x.y.z }})J", R"J({})J"},  // UndefinedError: 'x' is undefined
    {"none_iteration", R"J({% for t in tools %}{% endfor %})J", R"J({"tools": null})J"},  // TypeError: 'NoneType' object is not iterable
    {"list_append_sandbox", R"J({% set xs = [] %}{% set _ = xs.append(1) %})J", R"J({})J"},  // SecurityError: access to attribute 'append' of 'list' object is unsafe.
    {"dict_update_sandbox", R"J({% set d = {} %}{% set _ = d.update({'a': 1}) %})J", R"J({})J"},  // SecurityError: access to attribute 'update' of 'dict' object is unsafe.
    {"str_plus_dict", R"J({{ 'a' + {} }})J", R"J({})J"},  // TypeError: can only concatenate str (not "dict") to str
    {"tojson_undefined", R"J({{ missing | tojson }})J", R"J({})J"},  // TypeError: Object of type Undefined is not JSON serializable
    {"tojson_generator", R"J({{ [1] | map('string') | tojson }})J", R"J({})J"},  // TypeError: Object of type generator is not JSON serializable
    {"length_generator", R"J({{ [1] | select | length }})J", R"J({})J"},  // TypeError: object of type 'generator' has no len()
    {"unknown_filter", R"J({{ 1 | no_such_filter }})J", R"J({})J"},  // TemplateAssertionError: No filter named 'no_such_filter'.
    {"unknown_test", R"J({{ 1 is no_such_test }})J", R"J({})J"},  // TemplateAssertionError: No test named 'no_such_test'.
    {"division_by_zero", R"J({{ 1 // 0 }})J", R"J({})J"},  // ZeroDivisionError: integer division or modulo by zero
    {"compare_mixed", R"J({{ 1 < 'a' }})J", R"J({})J"},  // TypeError: '<' not supported between instances of 'int' and 'str'
    {"call_undefined", R"J({{ nothing() }})J", R"J({})J"},  // UndefinedError: 'nothing' is undefined
    {"set_attr_non_namespace", R"J({% set d = {} %}{% set d.x = 1 %})J", R"J({})J"},  // TemplateRuntimeError: cannot assign attribute on non-namespace object
};
// clang-format on

TEST(Template, RendersLikeJinja) {
  for (const Case& c : kCases) {
    auto r = render(c.tmpl, c.ctx);
    ASSERT_TRUE(r.ok()) << c.name << ": " << r.status().message();
    EXPECT_EQ(*r, c.expected) << c.name;
  }
}

TEST(Template, RuntimeErrorsAreErrors) {
  for (const ErrorCase& c : kErrorCases) {
    auto r = render(c.tmpl, c.ctx);
    EXPECT_FALSE(r.ok()) << c.name << " rendered: " << *r;
  }
}

TEST(Template, RaiseExceptionCarriesTheMessage) {
  auto r =
      render("line one\n{% if true %}{{ raise_exception('Roles must alternate') }}{% endif %}");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("Roles must alternate"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("line 2"), std::string::npos) << r.status().message();
}

TEST(Template, SandboxRefusesMutation) {
  auto r = render("{% set xs = [] %}{{ xs.append(1) }}");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("SecurityError"), std::string::npos) << r.status().message();
  // Merely testing whether the method exists is fine.
  auto d = render("{% set xs = [] %}{{ xs.append is defined }}");
  ASSERT_TRUE(d.ok()) << d.status().message();
  EXPECT_EQ(*d, "False");
}

TEST(Template, ParseErrorsNameLineAndColumn) {
  struct {
    const char* src;
    const char* where;
  } cases[] = {
      {"hello\n  {{ 1 + }}", "line 2, column 10"},
      {"{% if x %}\nno end", "line 2, column 7"},
      {"{% for x in y %}{% endif %}", "line 1, column 20"},
      {"ok\n\n   {% bogus %}", "line 3, column 7"},
      {"{{ 'unterminated }}", "line 1, column 4"},
      {"{{ x ]] }}", "line 1, column 6"},
      {"{% break %}", "line 1, column 4"},
      {"{# never closed", "line 1, column 1"},
  };
  for (const auto& c : cases) {
    auto t = Template::parse(c.src);
    ASSERT_FALSE(t.ok()) << c.src;
    EXPECT_NE(t.status().message().find(c.where), std::string::npos)
        << c.src << " -> " << t.status().message();
  }
}

TEST(Template, HostileTemplatesHitLimits) {
  // Unbounded recursion.
  auto rec = render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
  ASSERT_FALSE(rec.ok());
  EXPECT_NE(rec.status().message().find("nested macro calls"), std::string::npos);
  // Huge loops.
  RenderOptions opt;
  opt.max_loop_iterations = 1000;
  auto loop = render("{% for i in range(100000) %}{% endfor %}", "{}", opt);
  ASSERT_FALSE(loop.ok());
  EXPECT_NE(loop.status().message().find("loop iterations"), std::string::npos);
  auto nested = render("{% for a in range(100) %}{% for b in range(100) %}{% endfor %}{% endfor %}",
                       "{}", opt);
  EXPECT_FALSE(nested.ok());
  // Output growth.
  opt = RenderOptions();
  opt.max_output_bytes = 1000;
  auto big = render("{% for i in range(1000) %}0123456789{% endfor %}", "{}", opt);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("output"), std::string::npos);
  auto cyc = render("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}");
  ASSERT_TRUE(cyc.ok()) << cyc.status().message();  // printed with "...", no stack overflow
  EXPECT_FALSE(render("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns | tojson }}").ok());
  auto rep = render("{{ 'x' * 1000000000000 }}");
  EXPECT_FALSE(rep.ok());
  // Deeply nested expressions are a parse error, not a stack overflow.
  std::string deep = "{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}";
  auto t = Template::parse(deep);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("nested too deeply"), std::string::npos);
  std::string deep_if;
  for (int i = 0; i < 1000; ++i) deep_if += "{% if true %}";
  EXPECT_FALSE(Template::parse(deep_if).ok());
}

TEST(Template, StrftimeNowUsesTheFixedDate) {
  RenderOptions opt;
  opt.strftime_date = "2024-02-29";
  auto r = render("{{ strftime_now('%d %b %Y, %A') }}", "{}", opt);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, "29 Feb 2024, Thursday");
  opt.strftime_date = "not a date";
  EXPECT_FALSE(render("{{ strftime_now('%Y') }}", "{}", opt).ok());
}

TEST(Template, RendersManyTimesFromOneParse) {
  auto t = Template::parse("{{ greeting }}, {{ name | default('you') }}!");
  ASSERT_TRUE(t.ok());
  auto a = t->render(ordered_json{{"greeting", "Hi"}});
  auto b = t->render(ordered_json{{"greeting", "Yo"}, {"name", "Bo"}});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, "Hi, you!");
  EXPECT_EQ(*b, "Yo, Bo!");
  EXPECT_FALSE(t->render(ordered_json::array()).ok());  // context must be an object
}

TEST(ChatFormat, SetsVariablesAsTransformersDoes) {
  auto t = Template::parse(
      "{{ bos_token }}{% for m in messages %}[{{ m.role }}:{{ m.content }}]{% endfor %}"
      "{{ tools }}|{{ documents }}|{{ add_generation_prompt }}|{{ enable_thinking }}{{ eos_token "
      "}}");
  ASSERT_TRUE(t.ok());
  const ordered_json messages = ordered_json::parse(R"([{"role": "user", "content": "hi"}])");
  auto r = apply_chat_template(*t, messages, true, "<s>", "</s>", nullptr,
                               ordered_json{{"enable_thinking", false}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, "<s>[user:hi]None|None|True|False</s>");
  const ordered_json tools = ordered_json::parse(R"([{"type": "function", "z": 1, "a": 2}])");
  auto t2 = Template::parse("{{ tools | tojson }}");
  ASSERT_TRUE(t2.ok());
  auto r2 = apply_chat_template(*t2, messages, false, "", "", &tools, ordered_json::object());
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(*r2, R"([{"type": "function", "z": 1, "a": 2}])");  // key order kept
}

}  // namespace
}  // namespace edgellm::chat
