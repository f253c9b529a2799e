// The script-notation assembler used by the JSON conformance tests.
#include <gtest/gtest.h>

#include "test/util/script_notation.h"
#include "util/hex.h"

using namespace minicash;
using minicash::test::parse_script_notation;

namespace {
std::string asm_hex(const char* text) {
    std::string error;
    const std::optional<Script> s = parse_script_notation(text, &error);
    EXPECT_TRUE(s) << text << ": " << error;
    return s ? hex_encode(s->bytes()) : "<error>";
}
bool rejects(const char* text) {
    std::string error;
    const bool bad = !parse_script_notation(text, &error);
    if (bad) { EXPECT_FALSE(error.empty()) << text; }
    return bad;
}
}  // namespace

TEST(ScriptNotation, Numbers) {
    EXPECT_EQ(asm_hex("0"), "00");
    EXPECT_EQ(asm_hex("-1"), "4f");
    EXPECT_EQ(asm_hex("1 16"), "5160");
    EXPECT_EQ(asm_hex("17"), "0111");
    EXPECT_EQ(asm_hex("-2"), "0182");
    EXPECT_EQ(asm_hex("127 128 -128 255 256"),
              "017f"
              "028000"
              "028080"
              "02ff00"
              "020001");
    EXPECT_EQ(asm_hex("2147483647"), "04ffffff7f");
    EXPECT_EQ(asm_hex("2147483648"), "050000008000");
    EXPECT_EQ(asm_hex("4294967295"), "05ffffffff00");
    EXPECT_EQ(asm_hex("-4294967295"), "05ffffffff80");
    EXPECT_EQ(asm_hex("-0"), "00");
    EXPECT_EQ(asm_hex("007"), "57");
    EXPECT_TRUE(rejects("4294967296"));
    EXPECT_TRUE(rejects("-4294967296"));
    EXPECT_TRUE(rejects("99999999999999999999999"));
    EXPECT_TRUE(rejects("-"));
    EXPECT_TRUE(rejects("+1"));
    EXPECT_TRUE(rejects("1a"));
}

TEST(ScriptNotation, RawHexIsVerbatim) {
    EXPECT_EQ(asm_hex("0x4c 0x01 0x07"), "4c0107");
    EXPECT_EQ(asm_hex("0x14 0x0102030405060708090a0b0c0d0e0f1011121314"), "140102030405060708090a0b0c0d0e0f1011121314");
    EXPECT_EQ(asm_hex("0xABcd"), "abcd");
    EXPECT_TRUE(rejects("0x"));
    EXPECT_TRUE(rejects("0x1"));
    EXPECT_TRUE(rejects("0xzz"));
}

TEST(ScriptNotation, QuotedText) {
    EXPECT_EQ(asm_hex("'Az'"), "02417a");
    EXPECT_EQ(asm_hex("''"), "00");
    // One character is a data push, never OP_n.
    EXPECT_EQ(asm_hex("'1'"), "0131");
    const std::string s75 = "'" + std::string(75, 'a') + "'";
    EXPECT_EQ(asm_hex(s75.c_str()).substr(0, 4), "4b61");
    const std::string s76 = "'" + std::string(76, 'a') + "'";
    EXPECT_EQ(asm_hex(s76.c_str()).substr(0, 6), "4c4c61");
    const std::string s256 = "'" + std::string(256, 'b') + "'";
    EXPECT_EQ(asm_hex(s256.c_str()).substr(0, 8), "4d000162");
    EXPECT_TRUE(rejects("'"));
    EXPECT_TRUE(rejects("'abc"));
}

TEST(ScriptNotation, OpcodeNames) {
    EXPECT_EQ(asm_hex("DUP HASH160 OP_EQUALVERIFY CHECKSIG"), "76a988ac");
    EXPECT_EQ(asm_hex("NOP OP_NOP NOP1 NOP10 CHECKLOCKTIMEVERIFY CHECKSEQUENCEVERIFY"), "6161b0b9b1b2");
    EXPECT_EQ(asm_hex("NOP2 OP_NOP3"), "b1b2");
    EXPECT_EQ(asm_hex("RESERVED OP_RESERVED1 RESERVED2 VER VERIF VERNOTIF"), "50898a626566");
    EXPECT_EQ(asm_hex("CHECKSIGADD"), "ba");
    // Push and small-number opcodes are written as numbers or raw hex, not by name.
    EXPECT_TRUE(rejects("OP_0"));
    EXPECT_TRUE(rejects("OP_1"));
    EXPECT_TRUE(rejects("TRUE"));
    EXPECT_TRUE(rejects("1NEGATE"));
    EXPECT_TRUE(rejects("OP_PUSHDATA1"));
    EXPECT_TRUE(rejects("PUSHDATA4"));
    EXPECT_TRUE(rejects("OP_UNKNOWN"));
    EXPECT_TRUE(rejects("dup"));
    EXPECT_TRUE(rejects("NOP11"));
}

TEST(ScriptNotation, WhitespaceAndMixes) {
    EXPECT_EQ(asm_hex(""), "");
    EXPECT_EQ(asm_hex("  \t\n "), "");
    EXPECT_EQ(asm_hex("  1\t\t2\n3  "), "515253");
    EXPECT_EQ(asm_hex("0x02 0x0100 DROP 'x' 5"),
              "020100750178"
              "55");
    std::string error;
    EXPECT_FALSE(parse_script_notation("1 2 BOGUS 3", &error));
    EXPECT_NE(error.find("BOGUS"), std::string::npos) << error;
}
