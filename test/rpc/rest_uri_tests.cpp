// REST request targets read as Core's rest.cpp and libevent read them: format suffixes,
// query parameters (and what makes a target invalid), numbers, hashes, hex bodies.

#include <gtest/gtest.h>

#include "rpc/rest_uri.h"

namespace minicash::rpc {
namespace {

std::pair<RestFormat, std::string> format_of(const std::string& uri_part) {
    std::string param;
    const RestFormat rf = parse_data_format(param, uri_part);
    return {rf, param};
}

TEST(RestUri, DataFormat) {
    using P = std::pair<RestFormat, std::string>;
    EXPECT_EQ(format_of("abc.json"), P(RestFormat::JSON, "abc"));
    EXPECT_EQ(format_of("abc.bin"), P(RestFormat::BINARY, "abc"));
    EXPECT_EQ(format_of("abc.hex?count=5"), P(RestFormat::HEX, "abc"));
    EXPECT_EQ(format_of("abc"), P(RestFormat::UNDEF, "abc"));
    EXPECT_EQ(format_of("abc.xml"), P(RestFormat::UNDEF, "abc.xml"));  // kept as it is
    EXPECT_EQ(format_of("abc."), P(RestFormat::UNDEF, "abc"));         // the empty suffix is removed
    EXPECT_EQ(format_of(".json"), P(RestFormat::JSON, ""));
    EXPECT_EQ(format_of("1/abc.def.json"), P(RestFormat::JSON, "1/abc.def"));
    EXPECT_EQ(format_of("abc.JSON"), P(RestFormat::UNDEF, "abc.JSON"));  // case matters
    EXPECT_EQ(format_of("a?b?c.json"), P(RestFormat::UNDEF, "a?b"));     // the query starts at the last '?'
    EXPECT_EQ(available_formats(), ".bin, .hex, .json");
}

TEST(RestUri, QueryParameters) {
    EXPECT_EQ(query_parameter("/rest/headers/h.json?count=5", "count"), "5");
    EXPECT_EQ(query_parameter("/rest/headers/h.json", "count"), std::nullopt);
    EXPECT_EQ(query_parameter("/rest/x?a=1&count=7&count=8", "count"), "7");  // the first one
    EXPECT_EQ(query_parameter("/rest/x?count=%35", "count"), "5");
    EXPECT_EQ(query_parameter("/rest/x?v=a+b%20c", "v"), "a b c");
    EXPECT_EQ(query_parameter("/rest/x?count=", "count"), "");
    EXPECT_EQ(query_parameter("/rest/x?count=3#part", "count"), "3");
    EXPECT_EQ(query_parameter("/rest/x?count=3/4?5", "count"), "3/4?5");
    // A malformed argument spoils the whole query: nothing is found.
    EXPECT_EQ(query_parameter("/rest/x?a&count=5", "count"), std::nullopt);
    EXPECT_EQ(query_parameter("/rest/x?=1&count=5", "count"), std::nullopt);
    // Characters RFC 3986 does not allow: Core's 400 message.
    for (const char* bad :
         {"/rest/x?count=%XY", "/rest/x?count=5%", "/rest/x y?count=5", "/rest/x?c=\"", "/rest/<x>?a=1"}) {
        try {
            (void)query_parameter(bad, "count");  // it must throw
            ADD_FAILURE() << bad << " was accepted";
        } catch (const UriError& e) {
            EXPECT_STREQ(e.what(), "URI parsing failed, it likely contained RFC 3986 invalid characters");
        }
    }
}

TEST(RestUri, SplitString) {
    EXPECT_EQ(split_string("a/b/", '/'), (std::vector<std::string>{"a", "b", ""}));
    EXPECT_EQ(split_string("", '/'), (std::vector<std::string>{""}));
    EXPECT_EQ(split_string("abc", '-'), (std::vector<std::string>{"abc"}));
    EXPECT_EQ(split_string("a--b", '-'), (std::vector<std::string>{"a", "", "b"}));
}

TEST(RestUri, Numbers) {
    EXPECT_EQ(parse_unsigned("5"), 5u);
    EXPECT_EQ(parse_unsigned("007"), 7u);
    EXPECT_EQ(parse_unsigned("18446744073709551615"), UINT64_MAX);
    for (const char* bad : {"", "-1", "+1", " 1", "1 ", "1e3", "0x10", "18446744073709551616"})
        EXPECT_EQ(parse_unsigned(bad), std::nullopt) << bad;
    EXPECT_EQ(parse_unsigned("4294967295", UINT32_MAX), 4294967295u);
    EXPECT_EQ(parse_unsigned("4294967296", UINT32_MAX), std::nullopt);
    EXPECT_EQ(parse_int32("-5"), -5);
    EXPECT_EQ(parse_int32("2147483647"), 2147483647);
    EXPECT_EQ(parse_int32("2147483648"), std::nullopt);
    EXPECT_EQ(parse_int32("1.5"), std::nullopt);
}

TEST(RestUri, Hashes) {
    const std::string h = "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206";
    ASSERT_TRUE(parse_hash_hex(h));
    EXPECT_EQ(parse_hash_hex(h)->to_hex(), h);
    std::string upper = h;
    for (char& c : upper) c = char(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(parse_hash_hex(upper), parse_hash_hex(h));
    EXPECT_FALSE(parse_hash_hex(h.substr(1)));
    EXPECT_FALSE(parse_hash_hex(h + "0"));
    EXPECT_FALSE(parse_hash_hex("g" + h.substr(1)));
    EXPECT_FALSE(parse_hash_hex(""));
}

TEST(RestUri, HexBodies) {
    EXPECT_EQ(parse_hex_lenient("0a0B"), (Bytes{0x0a, 0x0b}));
    EXPECT_EQ(parse_hex_lenient(" 0a\n0b\r\n"), (Bytes{0x0a, 0x0b}));
    EXPECT_TRUE(parse_hex_lenient("0a0").empty());
    EXPECT_TRUE(parse_hex_lenient("zz").empty());
    EXPECT_TRUE(parse_hex_lenient("0 a").empty());  // whitespace only between bytes
}

TEST(RestUri, SanitizedEcho) {
    EXPECT_EQ(sanitize_uri("12<script>alert(1)</script>"), "12scriptalert(1)/script");
    EXPECT_EQ(sanitize_uri("a b\"c\n"), "abc");
    EXPECT_EQ(sanitize_uri("-1"), "-1");
}

}  // namespace
}  // namespace minicash::rpc
