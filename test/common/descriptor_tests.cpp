// Output descriptors: the test vectors of BIP380 (checksum, key expressions), BIP381
// (pk/pkh/sh), BIP382 (wpkh/wsh), BIP383 (multi/sortedmulti), BIP385 (raw/addr), BIP386
// (tr) and BIP389 (multipath), copied from the BIP texts as literal expectations, plus
// printing, key origins and error messages.
#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <vector>

#include "common/address.h"
#include "common/descriptor.h"
#include "util/hex.h"

using namespace minicash;

namespace {

const ChainParams& mainnet() {
    static const ChainParams p = make_chain_params(Network::MAIN);
    return p;
}

struct Valid {
    const char* desc;
    std::vector<const char*> scripts;  // at index 0, 1, 2 for range descriptors
};

// Shared long keys of the BIP vectors.
#define XPRV_A \
    "xprvA1RpRA33e1JQ7ifknakTFpgNXPmW2YvmhqLQYMmrj4xJXXWYpDPS3xz7iAxn8L39njGVyuoseXzU6rcxFLJ8HFsTjSyQbLYnMpCqE2VbFWc"
#define XPUB_A \
    "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL"
#define XPRV_B \
    "xprv9uPDJpEQgRQfDcW7BkF7eTya6RPxXeJCqCJGHuCJ4GiRVLzkTXBAJMu2qaMWPrS7AANYqdq6vcBcBUdJCVVFceUvJFjaPdGZ2y9WACViL4L"
#define XPUB_B \
    "xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPPLPxSb7gwQN3ih19Zm4Y"
#define XPRV_C \
    "xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqPqm55Qn3LqFtT2emdEXVYsCzC2U"
#define XPRV_D \
    "xprv9vHkqa6EV4sPZHYqZznhT2NPtPCjKuDKGY38FBWLvgaDx45zo9WQRUT3dKYnjwih2yJD9mkrocEZXo1ex8G81dwSM1fwqWpWkeS3v86pgKt"
#define XPUB_D \
    "xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH"
#define XPRV_E \
    "xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi"
#define XPUB_F \
    "xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB"
#define XPUB_G \
    "xpub661MyMwAqRbcGDZQUKLqmWodYLcoBQnQH33yYkkF3jjxeLvY8qr2wWGEWkiKFaaQfJCoi3HeEq3Dc5DptfbCyjD38fNhSqtKc1UHaP4ba3t"
#define WIF_C "L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1"
#define WIF_U "5KYZdUEo39z3FPrtuX2QbbwGnNP5zTd7yyr2SC1j299sBCnWjss"
#define PUB_C "03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd"
#define PUB_U                                                                                                          \
    "04a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd5b8dec5235a0fa8722476c7709c02559e3aa73aa03918b" \
    "a2d492eea75abea235"
#define PUB_X "a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd"
#define KEYS16                                                            \
    "03669b8afcec803a0d323e9a17f3ea8e68e8abe5a278020a929adbec52421adbd0," \
    "0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce600," \
    "0362a74e399c39ed5593852a30147f2959b56bb827dfa3e60e464b02ccf87dc5e8," \
    "0261345b53de74a4d721ef877c255429961b7e43714171ac06168d7e08c542a8b8," \
    "02da72e8b46901a65d4374fe6315538d8f368557dda3a1dcf9ea903f3afe7314c8," \
    "0318c82dd0b53fd3a932d16e0ba9e278fcc937c582d5781be626ff16e201f72286," \
    "0297ccef1ef99f9d73dec9ad37476ddb232f1238aff877af19e72ba04493361009," \
    "02e502cfd5c3f972fe9a3e2a18827820638f96b6f347e54d63deb839011fd5765d," \
    "03e687710f0e3ebe81c1037074da939d409c0025f17eb86adb9427d28f0f7ae0e9," \
    "02c04d3a5274952acdbc76987f3184b346a483d43be40874624b29e3692c1df5af," \
    "02ed06e0f418b5b43a7ec01d1d7d27290fa15f75771cb69b642a51471c29c84acd," \
    "036d46073cbb9ffee90473f3da429abc8de7f8751199da44485682a989a4bebb24," \
    "02f5d1ff7c9029a80a4e36b9a5497027ef7f3e73384a4a94fbfe7c4e9164eec8bc," \
    "02e41deffd1b7cce11cde209a781adcffdabd1b91c0ba0375857a2bfd9302419f3," \
    "02d76625f7956a7fc505ab02556c23ee72d832f1bac391bcd2d3abce5710a13d06," \
    "0399eb0a5487515802dc14544cf10b3666623762fbed2ec38a3975716e2c29c232"
#define WIFS20                                                                                                   \
    "KzoAz5CanayRKex3fSLQ2BwJpN7U52gZvxMyk78nDMHuqrUxuSJy,KwGNz6YCCQtYvFzMtrC6D3tKTKdBBboMrLTsjr2NYVBwapCkn7Mr," \
    "KxogYhiNfwxuswvXV66eFyKcCpm7dZ7TqHVqujHAVUjJxyivxQ9X,L2BUNduTSyZwZjwNHynQTF14mv2uz2NRq5n5sYWTb4FkkmqgEE9f," \
    "L1okJGHGn1kFjdXHKxXjwVVtmCMR2JA5QsbKCSpSb7ReQjezKeoD,KxDCNSST75HFPaW5QKpzHtAyaCQC7p9Vo3FYfi2u4dXD1vgMiboK," \
    "L5edQjFtnkcf5UWURn6UuuoFrabgDQUHdheKCziwN42aLwS3KizU,KzF8UWFcEC7BYTq8Go1xVimMkDmyNYVmXV5PV7RuDicvAocoPB8i," \
    "L3nHUboKG2w4VSJ5jYZ5CBM97oeK6YuKvfZxrefdShECcjEYKMWZ,KyjHo36dWkYhimKmVVmQTq3gERv3pnqA4xFCpvUgbGDJad7eS8WE," \
    "KwsfyHKRUTZPQtysN7M3tZ4GXTnuov5XRgjdF2XCG8faAPmFruRF,KzCUbGhN9LJhdeFfL9zQgTJMjqxdBKEekRGZX24hXdgCNCijkkap," \
    "KzgpMBwwsDLwkaC5UrmBgCYaBD2WgZ7PBoGYXR8KT7gCA9UTN5a3,KyBXTPy4T7YG4q9tcAM3LkvfRpD1ybHMvcJ2ehaWXaSqeGUxEdkP," \
    "KzJDe9iwJRPtKP2F2AoN6zBgzS7uiuAwhWCfGdNeYJ3PC1HNJ8M8,L1xbHrxynrqLKkoYc4qtoQPx6uy5qYXR5ZDYVYBSRmCV5piU3JG9," \
    "KzRedjSwMggebB3VufhbzpYJnvHfHe9kPJSjCU5QpJdAW3NSZxYS,Kyjtp5858xL7JfeV4PNRCKy2t6XvgqNNepArGY9F9F1SSPqNEMs3," \
    "L2D4RLHPiHBidkHS8ftx11jJk1hGFELvxh8LoxNQheaGT58dKenW,KyLPZdwY4td98bKkXqEXTEBX3vwEYTQo1yyLjX2jKXA63GBpmSjv"

const std::vector<Valid> kValid = {
    // BIP381
    {"pk(" WIF_C ")", {"21" PUB_C "ac"}},
    {"pk(" PUB_C ")", {"21" PUB_C "ac"}},
    {"pkh([deadbeef/1/2'/3/4']" WIF_C ")", {"76a9149a1c78a507689f6f54b847ad1cef1e614ee23f1e88ac"}},
    {"pkh([deadbeef/1/2'/3/4']" PUB_C ")", {"76a9149a1c78a507689f6f54b847ad1cef1e614ee23f1e88ac"}},
    {"pkh([deadbeef/1/2h/3/4h]" PUB_C ")", {"76a9149a1c78a507689f6f54b847ad1cef1e614ee23f1e88ac"}},
    {"pk(" WIF_U ")", {"41" PUB_U "ac"}},
    {"pk(" PUB_U ")", {"41" PUB_U "ac"}},
    {"pkh(" WIF_U ")", {"76a914b5bd079c4d57cc7fc28ecf8213a6b791625b818388ac"}},
    {"pkh(" PUB_U ")", {"76a914b5bd079c4d57cc7fc28ecf8213a6b791625b818388ac"}},
    {"sh(pk(" WIF_C "))", {"a9141857af51a5e516552b3086430fd8ce55f7c1a52487"}},
    {"sh(pk(" PUB_C "))", {"a9141857af51a5e516552b3086430fd8ce55f7c1a52487"}},
    {"sh(pkh(" WIF_C "))", {"a9141a31ad23bf49c247dd531a623c2ef57da3c400c587"}},
    {"sh(pkh(" PUB_C "))", {"a9141a31ad23bf49c247dd531a623c2ef57da3c400c587"}},
    {"pkh(" XPRV_C "/2147483647'/0)", {"76a914ebdc90806a9c4356c1c88e42216611e1cb4c1c1788ac"}},
    {"pkh([bd16bee5/"
     "2147483647h]"
     "xpub69H7F5dQzmVd3vPuLKtcXJziMEQByuDidnX3YdwgtNsecY5HRGtAAQC5mXTt4dsv9RzyjgDjAQs9VGVV6ydYCHnprc9vvaA5YtqWyL6hyds/"
     "0)",
     {"76a914ebdc90806a9c4356c1c88e42216611e1cb4c1c1788ac"}},
    {"pk(" XPRV_B "/0)", {"210379e45b3cf75f9c5f9befd8e9506fb962f6a9d185ac87001ec44a8d3df8d4a9e3ac"}},
    {"pk(" XPUB_B "/0)", {"210379e45b3cf75f9c5f9befd8e9506fb962f6a9d185ac87001ec44a8d3df8d4a9e3ac"}},
    // BIP382
    {"wpkh(" WIF_C ")", {"00149a1c78a507689f6f54b847ad1cef1e614ee23f1e"}},
    {"wpkh(" PUB_C ")", {"00149a1c78a507689f6f54b847ad1cef1e614ee23f1e"}},
    {"wpkh([ffffffff/13']" XPRV_D "/1/2/0)", {"0014326b2249e3a25d5dc60935f044ee835d090ba859"}},
    {"wpkh([ffffffff/13']" XPUB_D "/1/2/*)",
     {"0014326b2249e3a25d5dc60935f044ee835d090ba859", "0014af0bd98abc2f2cae66e36896a39ffe2d32984fb7",
      "00141fa798efd1cbf95cebf912c031b8a4a6e9fb9f27"}},
    {"sh(wpkh(" XPRV_E "/10/20/30/40/*'))",
     {"a9149a4d9901d6af519b2a23d4a2f51650fcba87ce7b87", "a914bed59fc0024fae941d6e20a3b44a109ae740129287",
      "a9148483aa1116eb9c05c482a72bada4b1db24af654387"}},
    {"sh(wpkh(" XPRV_E "/10/20/30/40/*h))",
     {"a9149a4d9901d6af519b2a23d4a2f51650fcba87ce7b87", "a914bed59fc0024fae941d6e20a3b44a109ae740129287",
      "a9148483aa1116eb9c05c482a72bada4b1db24af654387"}},
    {"wsh(pkh(" WIF_C "))", {"0020338e023079b91c58571b20e602d7805fb808c22473cbc391a41b1bd3a192e75b"}},
    {"wsh(pkh(" PUB_C "))", {"0020338e023079b91c58571b20e602d7805fb808c22473cbc391a41b1bd3a192e75b"}},
    {"wsh(pk(" WIF_C "))", {"00202e271faa2325c199d25d22e1ead982e45b64eeb4f31e73dbdf41bd4b5fec23fa"}},
    {"wsh(pk(" PUB_C "))", {"00202e271faa2325c199d25d22e1ead982e45b64eeb4f31e73dbdf41bd4b5fec23fa"}},
    {"sh(wsh(pkh(" WIF_C ")))", {"a914b61b92e2ca21bac1e72a3ab859a742982bea960a87"}},
    {"sh(wsh(pkh(" PUB_C ")))", {"a914b61b92e2ca21bac1e72a3ab859a742982bea960a87"}},
    // BIP383
    {"multi(1," WIF_C "," WIF_U ")", {"5121" PUB_C "41" PUB_U "52ae"}},
    {"multi(1," PUB_C "," PUB_U ")", {"5121" PUB_C "41" PUB_U "52ae"}},
    {"sortedmulti(1," PUB_U "," PUB_C ")", {"5121" PUB_C "41" PUB_U "52ae"}},
    {"sh(multi(2,[00000000/111'/222]" XPRV_A "," XPRV_B "/0))", {"a91445a9a622a8b0a1269944be477640eedc447bbd8487"}},
    {"sortedmulti(2," XPUB_A "/*," XPUB_B "/0/0/*)",
     {"5221025d5fc65ebb8d44a5274b53bac21ff8307fec2334a32df05553459f8b1f7fe1b62102fbd47cc8034098f0e6a94c6aeee8528abf0a21"
      "53a5d8e46d325b7284c046784652ae",
      "52210264fd4d1f5dea8ded94c61e9641309349b62f27fbffe807291f664e286bfbe6472103f4ece6dfccfa37b211eb3d0af4d0c61dba9ef6"
      "98622dc17eecdf764beeb005a652ae",
      "5221022ccabda84c30bad578b13c89eb3b9544ce149787e5b538175b1d1ba259cbb83321024d902e1a2fc7a8755ab5b694c575fce742c48d"
      "9ff192e63df5193e4c7afe1f9c52ae"}},
    {"wsh(multi(2," XPRV_C "/2147483647'/0," XPRV_D "/1/2/*," XPRV_E "/10/20/30/40/*'))",
     {"0020b92623201f3bb7c3771d45b2ad1d0351ea8fbf8cfe0a0e570264e1075fa1948f",
      "002036a08bbe4923af41cf4316817c93b8d37e2f635dd25cfff06bd50df6ae7ea203",
      "0020a96e7ab4607ca6b261bfe3245ffda9c746b28d3f59e83d34820ec0e2b36c139c"}},
    {"sh(wsh(multi(16," KEYS16 ")))", {"a9147fc63e13dc25e8a95a3cee3d9a714ac3afd96f1e87"}},
    {"wsh(multi(20," WIFS20 "))", {"0020376bd8344b8b6ebe504ff85ef743eaa1aa9272178223bcb6887e9378efb341ac"}},
    {"sh(wsh(multi(20," WIFS20 ")))", {"a914c2c9c510e9d7f92fd6131e94803a8d34a8ef675e87"}},
    // BIP385
    {"raw(deadbeef)", {"deadbeef"}},
    {"raw(5121" PUB_C "41" PUB_U "52ae)", {"5121" PUB_C "41" PUB_U "52ae"}},
    {"raw(a9149a4d9901d6af519b2a23d4a2f51650fcba87ce7b87)", {"a9149a4d9901d6af519b2a23d4a2f51650fcba87ce7b87"}},
    {"addr(3PUNyaW7M55oKWJ3kDukwk9bsKvryra15j)", {"a914eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee87"}},
    // BIP386
    {"tr(" PUB_X ")", {"512077aab6e066f8a7419c5ab714c12c67d25007ed55a43cadcacb4d7a970a093f11"}},
    {"tr(" WIF_C ")", {"512077aab6e066f8a7419c5ab714c12c67d25007ed55a43cadcacb4d7a970a093f11"}},
    {"tr(" XPRV_A "/0/*,pk(" XPRV_A "/1/*))",
     {"512078bc707124daa551b65af74de2ec128b7525e10f374dc67b64e00ce0ab8b3e12",
      "512001f0a02a17808c20134b78faab80ef93ffba82261ccef0a2314f5d62b6438f11",
      "512021024954fcec88237a9386fce80ef2ced5f1e91b422b26c59ccfc174c8d1ad25"}},
    {"tr(" PUB_X ",pk(669b8afcec803a0d323e9a17f3ea8e68e8abe5a278020a929adbec52421adbd0))",
     {"512017cf18db381d836d8923b1bdb246cfcd818da1a9f0e6e7907f187f0b2f937754"}},
    // clang-format off (clang-format 14 does not settle on one layout for these literals)
    {"tr(" PUB_X ",{pk("
     "xprvA2JDeKCSNNZky6uBCviVfJSKyQ1mDYahRjijr5idH2WwLsEd4Hsb2Tyh8RfQMuPh7f7RtyzTtdrbdqqsunu5Mm3wDvUAKRHSC"
     "34sJ7in334/0),{{pk(" XPUB_A "),pk(02df12b7035bdac8e3bab862a3a83d06ea6b17b6753d52edecba9be46f5d09e076)},pk(" WIF_C
     ")}})",
     {"512071fff39599a7b78bc02623cbe814efebf1a404f5d8ad34ea80f213bd8943f574"}},
    // clang-format on
};

const std::vector<const char*> kInvalid = {
    // BIP380 key expressions (wrapped in pk())
    "pk([deadbeef/0h/0h/0h/*]0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce600)",
    "pk([deadbeef/0h/0h/0h/]0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce600)",
    "pk([deadbef/0h/0h/0h]0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce600)",
    "pk([deadbeeef/0h/0h/0h]0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce600)",
    "pk([deadbeef/0f/0f/0f]0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce600)",
    "pk([deadbeef/0H/0H/0H]0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce600)",
    "pk([deadbeef/-0/-0/-0]0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce600)",
    "pk(" WIF_C "/0)",
    "pk(" WIF_C "/*)",
    "pk(" XPRV_C "/2147483648)",
    "pk(" XPRV_C "/1aa)",
    "pk([aaaaaaaa][aaaaaaaa]" XPRV_C "/2147483647'/0)",
    "pk(aaaaaaaa]" XPRV_C "/2147483647'/0)",
    "pk([gaaaaaaa]" XPRV_C "/2147483647'/0)",
    "pk([deadbeef])",
    // BIP380 checksums
    "raw(deadbeef)#",
    "raw(deadbeef)#89f8spxmx",
    "raw(deadbeef)#89f8spx",
    "raw(deedbeef)#89f8spxm",
    "raw(deedbeef)##9f8spxm",
    "raw(\xc3\x9c)#00000000",
    // BIP381
    "pk(pk(" PUB_C "))",
    "pkh(pk(" PUB_C "))",
    "sh(" PUB_C ")",
    "sh(sh(pkh(" PUB_C ")))",
    // BIP382
    "wpkh(" WIF_U ")",
    "sh(wpkh(" WIF_U "))",
    "wpkh(" PUB_U ")",
    "sh(wpkh(" PUB_U "))",
    "wsh(pk(" WIF_U "))",
    "wsh(pk(" PUB_U "))",
    "wsh(wpkh(" PUB_C "))",
    "wsh(wsh(pkh(" PUB_C ")))",
    "sh(wsh(wsh(pkh(" PUB_C "))))",
    "wpkh(wsh(pkh(" PUB_C ")))",
    "wsh(" PUB_C ")",
    // BIP383
    "sh(multi(16," KEYS16 "))",
    "multi(a," PUB_C "," PUB_U ")",
    "multi(0," PUB_C "," PUB_U ")",
    "multi(3," WIF_C "," WIF_U ")",
    // BIP385
    "raw(asdf)",
    "addr(asdf)",
    "sh(raw(deadbeef))",
    "wsh(raw(deadbeef))",
    "sh(addr(3PUNyaW7M55oKWJ3kDukwk9bsKvryra15j))",
    "wsh(addr(3PUNyaW7M55oKWJ3kDukwk9bsKvryra15j))",
    // BIP386
    "tr(" WIF_U ")",
    "tr(" PUB_U ")",
    "wsh(tr(" PUB_X "))",
    "sh(tr(" PUB_X "))",
    "tr(" PUB_X ", pkh(" WIF_C "))",
    "tr(" PUB_X ",pkh(" WIF_C "))",
    // BIP389
    "pkh(" XPRV_C "/<0;1>/<2;3>)",
    "pkh([deadbeef/<0;1>]" XPUB_F "/0)",
    "tr("
    "xpub661MyMwAqRbcF3yVrV2KyYetLMYA5mCbv4BhrKwUrFE9LZM6JRR1AEt8Jq4V4C8LwtTke6YEEdCZqgXp85YRk2j74EfJKhe3QybQ9kcUjs4/"
    "<6;7;8;9>/*,{pk(" XPUB_A "/<1;2;3>/0/*),pk(" XPUB_G "/0/0/<3;4;5>/*)})",
    "sh(multi(2," XPRV_A "/<1;2;3>/0/*," XPRV_B
    "/0/"
    "*,xprv9s21ZrQH143K3jUwNHoqQNrtzJnJmx4Yup8NkNLdVQCymYbPbJXnPhwkfTfxZfptcs3rLAPUXS39oDLgrNKQGwbGsEmJJ8BU3RzQuvShEG4/"
    "0/0/<3;4>/*))",
    "wpkh(" XPUB_F "/<>/*)",
    "wpkh(" XPUB_F "/0>/*)",
    "wpkh(" XPUB_F "/<0/*)",
    "wpkh(" XPUB_F "/<0;>/*)",
};

std::vector<std::string> scripts_at(const Descriptor& d, uint32_t i) {
    std::string err;
    const auto exp = d.expand(i, &err);
    EXPECT_TRUE(exp) << err;
    std::vector<std::string> out;
    if (exp) {
        for (const ExpandedScript& e : *exp) out.push_back(hex_encode(e.script_pubkey.bytes()));
    }
    return out;
}

}  // namespace

TEST(Descriptor, Checksum) {
    EXPECT_EQ(descriptor_checksum("raw(deadbeef)"), "89f8spxm");
    EXPECT_EQ(add_descriptor_checksum("raw(deadbeef)"), "raw(deadbeef)#89f8spxm");
    EXPECT_EQ(descriptor_checksum("raw(\xc3\x9c)"), "");
    std::string err;
    EXPECT_TRUE(Descriptor::parse("raw(deadbeef)#89f8spxm", mainnet(), &err)) << err;
    EXPECT_TRUE(Descriptor::parse("raw(deadbeef)", mainnet(), &err)) << err;
    EXPECT_FALSE(Descriptor::parse("raw(deadbeef)", mainnet(), &err, /*require_checksum=*/true));
    EXPECT_EQ(err, "Missing checksum");
    EXPECT_FALSE(Descriptor::parse("raw(deedbeef)#89f8spxm", mainnet(), &err));
    EXPECT_NE(err.find("does not match"), std::string::npos) << err;
}

TEST(Descriptor, BipValidVectors) {
    int count = 0, scripts = 0;
    for (const Valid& v : kValid) {
        std::string err;
        const std::optional<Descriptor> d = Descriptor::parse(v.desc, mainnet(), &err);
        ASSERT_TRUE(d) << v.desc << ": " << err;
        EXPECT_EQ(d->is_range(), v.scripts.size() > 1) << v.desc;
        for (uint32_t i = 0; i < v.scripts.size(); ++i) {
            const std::vector<std::string> got = scripts_at(*d, i);
            ASSERT_EQ(got.size(), 1u) << v.desc;
            EXPECT_EQ(got[0], v.scripts[i]) << v.desc << " at " << i;
            ++scripts;
        }
        // Printing and re-parsing gives the same scripts, with and without private keys.
        for (bool priv : {false, true}) {
            const std::string s = d->to_string(priv);
            const std::optional<Descriptor> again = Descriptor::parse(s, mainnet(), &err, /*require_checksum=*/true);
            ASSERT_TRUE(again) << s << ": " << err;
            EXPECT_EQ(again->to_string(priv), s);
            std::string e2;
            const auto exp = again->expand(0, &e2);
            if (exp) {
                EXPECT_EQ(hex_encode((*exp)[0].script_pubkey.bytes()), v.scripts[0]) << s;
            } else {
                // Only hardened derivation after an xpub cannot be expanded without the
                // private key.
                EXPECT_FALSE(priv) << s << ": " << e2;
                EXPECT_NE(e2.find("hardened"), std::string::npos) << e2;
            }
        }
        if (!d->has_private_keys()) { EXPECT_EQ(d->to_string(true), d->to_string(false)); }
        ++count;
    }
    std::cout << "BIP381-386 valid descriptors: " << count << " (" << scripts << " scripts)\n";
    EXPECT_EQ(count, 47);
}

TEST(Descriptor, BipInvalidVectors) {
    int count = 0;
    for (const char* s : kInvalid) {
        std::string err;
        EXPECT_FALSE(Descriptor::parse(s, mainnet(), &err)) << s;
        EXPECT_FALSE(err.empty()) << s;
        ++count;
    }
    std::cout << "BIP380-389 invalid descriptors: " << count << "\n";
    EXPECT_EQ(count, 60);
}

TEST(Descriptor, Bip380KeyExpressions) {
    const char* const keys[] = {
        "0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce600",
        "04a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd5b8dec5235a0fa8722476c7709c02559e3aa73aa0391"
        "8ba2d492eea75abea235",
        "[deadbeef/0h/0h/0h]0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce600",
        "[deadbeef/0'/0'/0']0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce600",
        "[deadbeef/0'/0h/0']0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce600",
        WIF_U,
        WIF_C,
        XPUB_A,
        "[deadbeef/0h/1h/2h]" XPUB_A,
        "[deadbeef/0h/1h/2h]" XPUB_A "/3/4/5",
        "[deadbeef/0h/1h/2h]" XPUB_A "/3/4/5/*",
        XPUB_A "/3h/4h/5h/*",
        XPUB_A "/3h/4h/5h/*h",
        "[deadbeef/0h/1h/2]" XPUB_A "/3h/4h/5h/*h",
        XPRV_A,
        "[deadbeef/0h/1h/2h]" XPRV_A,
        "[deadbeef/0h/1h/2h]" XPRV_A "/3/4/5",
        "[deadbeef/0h/1h/2h]" XPRV_A "/3/4/5/*",
        XPRV_A "/3h/4h/5h/*",
        XPRV_A "/3h/4h/5h/*h",
        "[deadbeef/0h/1h/2]" XPRV_A "/3h/4h/5h/*h",
    };
    int n = 0;
    for (const char* k : keys) {
        std::string err;
        const std::optional<Descriptor> d = Descriptor::parse(std::string("pk(") + k + ")", mainnet(), &err);
        EXPECT_TRUE(d) << k << ": " << err;
        ++n;
    }
    std::cout << "BIP380 valid key expressions: " << n << "\n";
    // An xpub with hardened steps parses but cannot be expanded.
    std::string err;
    const auto d = Descriptor::parse("pk(" XPUB_A "/3h/4h/5h/*)", mainnet(), &err);
    ASSERT_TRUE(d);
    EXPECT_FALSE(d->expand(0, &err));
    EXPECT_NE(err.find("private key"), std::string::npos) << err;
    // With the xprv it works, and the public form keeps the path.
    const auto p = Descriptor::parse("pk(" XPRV_A "/3h/4h/5h/*)", mainnet(), &err);
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->expand(0, &err)) << err;
    EXPECT_EQ(p->to_string(false), add_descriptor_checksum("pk(" XPUB_A "/3h/4h/5h/*)"));
}

TEST(Descriptor, Bip389Multipath) {
    struct Case {
        const char* desc;
        std::vector<const char*> parts;
    };
    const std::vector<Case> cases = {
        {"pk(" XPUB_B "/<0;1>)", {"pk(" XPUB_B "/0)", "pk(" XPUB_B "/1)"}},
        {"pkh(" XPRV_C "/<2147483647h;0>/0)", {"pkh(" XPRV_C "/2147483647h/0)", "pkh(" XPRV_C "/0/0)"}},
        {"wpkh([ffffffff/13h]" XPUB_D "/<1;3>/2/*)",
         {"wpkh([ffffffff/13h]" XPUB_D "/1/2/*)", "wpkh([ffffffff/13h]" XPUB_D "/3/2/*)"}},
        {"multi(2," XPUB_A "/<1;2>/*," XPUB_B "/<3;4>/0/*)",
         {"multi(2," XPUB_A "/1/*," XPUB_B "/3/0/*)", "multi(2," XPUB_A "/2/*," XPUB_B "/4/0/*)"}},
        {"pkh(" XPUB_F "/<0;1;2>)", {"pkh(" XPUB_F "/0)", "pkh(" XPUB_F "/1)", "pkh(" XPUB_F "/2)"}},
        {"sh(multi(2," XPUB_A "/<1;2;3>/0/*," XPUB_B "/0/*," XPUB_G "/0/0/<3;4;5>/*))",
         {"sh(multi(2," XPUB_A "/1/0/*," XPUB_B "/0/*," XPUB_G "/0/0/3/*))",
          "sh(multi(2," XPUB_A "/2/0/*," XPUB_B "/0/*," XPUB_G "/0/0/4/*))",
          "sh(multi(2," XPUB_A "/3/0/*," XPUB_B "/0/*," XPUB_G "/0/0/5/*))"}},
    };
    int n = 0;
    for (const Case& c : cases) {
        std::string err;
        const std::optional<Descriptor> d = Descriptor::parse(c.desc, mainnet(), &err);
        ASSERT_TRUE(d) << c.desc << ": " << err;
        EXPECT_TRUE(d->is_multipath());
        EXPECT_FALSE(d->expand(0, &err));
        // Printing keeps the <...> step.
        EXPECT_EQ(d->to_string(true), add_descriptor_checksum(c.desc));
        const std::vector<Descriptor> parts = d->split_multipath();
        ASSERT_EQ(parts.size(), c.parts.size()) << c.desc;
        for (size_t i = 0; i < parts.size(); ++i) {
            const std::optional<Descriptor> want = Descriptor::parse(c.parts[i], mainnet(), &err);
            ASSERT_TRUE(want) << c.parts[i] << ": " << err;
            EXPECT_EQ(parts[i].to_string(true), want->to_string(true));
            EXPECT_EQ(parts[i].to_string(true), add_descriptor_checksum(c.parts[i]));
            std::string e1, e2;
            const auto a = parts[i].expand(1, &e1);
            const auto b = want->expand(1, &e2);
            ASSERT_EQ(a.has_value(), b.has_value()) << e1 << " / " << e2;
            if (a) { EXPECT_EQ((*a)[0].script_pubkey, (*b)[0].script_pubkey); }
        }
        ++n;
    }
    std::cout << "BIP389 multipath descriptors: " << n << "\n";
}

TEST(Descriptor, KeyOriginsAndTaprootInfo) {
    std::string err;
    // BIP84 account 0 of the abandon/about mnemonic (BIP84 test vector), as an xpub.
    const ExtKeyVersions z[] = {kZpubVersions};
    const auto account = decode_ext_key(
        "zpub6rFR7y4Q2AijBEqTUquhVz398htDFrtymD9xYYfG1m4wAcvPhXNfE3EfH1r1ADqtfSdVCToUG868RvUUkgDKf31mGDtKsAYz2oz2AGutZY"
        "s",
        z, &err);
    ASSERT_TRUE(account) << err;
    const std::string xpub = std::get<ExtPubKey>(account->key).to_string(mainnet());
    const auto d = Descriptor::parse("wpkh([73c5da0a/84h/0h/0h]" + xpub + "/0/*)", mainnet(), &err);
    ASSERT_TRUE(d) << err;
    const auto e = d->expand(0, &err);
    ASSERT_TRUE(e) << err;
    ASSERT_EQ(e->size(), 1u);
    EXPECT_EQ(encode_address((*e)[0].script_pubkey, mainnet()), "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu");
    ASSERT_EQ((*e)[0].pubkeys.size(), 1u);
    const DerivedPubkey& k = (*e)[0].pubkeys[0];
    EXPECT_EQ(hex_encode(k.pubkey), "0330d54fd0dd420a6e5f8d3624f5f3482cae350f79d5f0753bf5beef9c2d91af3c");
    EXPECT_EQ(hex_encode(k.origin.fingerprint), "73c5da0a");
    EXPECT_EQ(format_derivation_path(k.origin.path), "m/84'/0'/0'/0/0");

    // tr() with a tree: leaves, control blocks, leaf hashes on the keys.
    const auto t = Descriptor::parse(
        "tr(" PUB_X ",{pk(03669b8afcec803a0d323e9a17f3ea8e68e8abe5a278020a929adbec52421adbd0),multi_a(1," XPUB_A
        "/*,"
        "0260b2003c386519fc9eadf2b5cf124dd8eea4c4e68d5e154050a9346ea98ce600)})",
        mainnet(), &err);
    ASSERT_TRUE(t) << err;
    const auto te = t->expand(3, &err);
    ASSERT_TRUE(te) << err;
    const ExpandedScript& es = (*te)[0];
    ASSERT_TRUE(es.taproot);
    ASSERT_EQ(es.taproot->leaves.size(), 2u);
    EXPECT_EQ(es.taproot->leaves[0].depth, 1);
    EXPECT_EQ(es.taproot->leaves[0].control_block.size(), 33u + 32u);
    EXPECT_EQ(hex_encode(es.taproot->leaves[0].script.bytes()),
              "20669b8afcec803a0d323e9a17f3ea8e68e8abe5a278020a929adbec52421adbd0ac");
    // multi_a: <k1> CHECKSIG <k2> CHECKSIGADD <1> NUMEQUAL
    const Bytes& ma = es.taproot->leaves[1].script.bytes();
    EXPECT_EQ(ma.size(), 33u + 1 + 33 + 1 + 1 + 1);
    EXPECT_EQ(ma[33], OP_CHECKSIG);
    EXPECT_EQ(ma[67], OP_CHECKSIGADD);
    EXPECT_EQ(ma.back(), OP_NUMEQUAL);
    EXPECT_EQ(es.pubkeys.size(), 4u);
    EXPECT_TRUE(es.pubkeys[0].leaf_hashes.empty());  // internal key
    EXPECT_EQ(es.pubkeys[1].leaf_hashes.size(), 1u);
    EXPECT_EQ(es.pubkeys[2].origin.path, std::vector<uint32_t>{3});
    EXPECT_EQ(es.script_pubkey, es.taproot->script_pubkey());

    // Compressed hex keys in tr() print as x-only.
    const auto x = Descriptor::parse("tr(" PUB_C ")", mainnet(), &err);
    ASSERT_TRUE(x) << err;
    EXPECT_EQ(x->to_string(), add_descriptor_checksum("tr(" PUB_X ")"));
}

TEST(Descriptor, ComboAndPrivateKeys) {
    std::string err;
    const auto c = Descriptor::parse("combo(" WIF_C ")", mainnet(), &err);
    ASSERT_TRUE(c) << err;
    const auto e = c->expand(0, &err);
    ASSERT_TRUE(e) << err;
    ASSERT_EQ(e->size(), 4u);
    EXPECT_EQ(hex_encode((*e)[0].script_pubkey.bytes()), "21" PUB_C "ac");
    EXPECT_EQ(hex_encode((*e)[1].script_pubkey.bytes()), "76a9149a1c78a507689f6f54b847ad1cef1e614ee23f1e88ac");
    EXPECT_EQ(hex_encode((*e)[2].script_pubkey.bytes()), "00149a1c78a507689f6f54b847ad1cef1e614ee23f1e");
    ASSERT_TRUE((*e)[3].redeem_script);
    EXPECT_EQ(*(*e)[3].redeem_script, (*e)[2].script_pubkey);
    const auto u = Descriptor::parse("combo(" WIF_U ")", mainnet(), &err);
    ASSERT_TRUE(u) << err;
    EXPECT_EQ(u->expand(0)->size(), 2u);

    EXPECT_TRUE(c->has_private_keys());
    EXPECT_EQ(c->to_string(false), add_descriptor_checksum("combo(" PUB_C ")"));
    EXPECT_EQ(c->to_string(true), add_descriptor_checksum("combo(" WIF_C ")"));
    const auto keys = c->private_keys(0);
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(hex_encode(keys[0].first), PUB_C);

    const auto w = Descriptor::parse("wsh(multi(1," XPRV_D "/1/2/*," PUB_C "))", mainnet(), &err);
    ASSERT_TRUE(w) << err;
    EXPECT_EQ(w->private_keys(5).size(), 1u);
    const auto we = w->expand(5);
    ASSERT_TRUE(we && (*we)[0].witness_script);
    EXPECT_EQ(hex_encode(w->private_keys(5)[0].first), hex_encode((*we)[0].pubkeys[0].pubkey));
}

TEST(Descriptor, ErrorMessages) {
    auto error_of = [](const std::string& s) {
        std::string err;
        EXPECT_FALSE(Descriptor::parse(s, mainnet(), &err)) << s;
        return err;
    };
    auto has = [](const std::string& hay, const char* needle) { return hay.find(needle) != std::string::npos; };
    EXPECT_TRUE(has(error_of("foo(" PUB_C ")"), "unknown script expression 'foo()'"));
    EXPECT_TRUE(has(error_of("wsh(wpkh(" PUB_C "))"), "wpkh() is not allowed inside wsh()"));
    EXPECT_TRUE(has(error_of("wpkh(" PUB_U ")"), "uncompressed"));
    EXPECT_TRUE(has(error_of("multi(3," PUB_C "," PUB_U ")"), "larger than the number of keys"));
    EXPECT_TRUE(has(error_of("multi(1," PUB_C "," PUB_C "," PUB_C "," PUB_C ")"), "bare multisig"));
    EXPECT_TRUE(has(error_of("sh(multi(16," KEYS16 "))"), "520"));
    EXPECT_TRUE(has(error_of("pkh(" XPRV_C "/<0;1>/<2;3>)"), "only one multipath"));
    EXPECT_TRUE(has(error_of("pk([deadbef]" PUB_C ")"), "8 hex"));
    EXPECT_TRUE(has(error_of("addr(bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5)"), "checksum"));
    EXPECT_TRUE(has(error_of("tr(" PUB_X ",{pk(" PUB_C ")})"), "exactly two"));
    EXPECT_TRUE(has(error_of("pkh(" PUB_C ""), "expected a script expression"));
    // Private key material is never echoed back in errors.
    const std::string e = error_of("pk(" XPRV_C "x)");
    EXPECT_FALSE(has(e, XPRV_C)) << e;
    // Testnet keys are refused on mainnet.
    EXPECT_TRUE(has(error_of("wpkh(cQbR2Ny85XFBzUMx3Ed6HsTLw2pVruSgPvt5AofnBUnhiv86gYeW)"), "not a valid"));
}

TEST(Descriptor, TaprootBuilderDepths) {
    const XOnlyPubkey ik = [] {
        XOnlyPubkey k{};
        const Bytes b = *hex_decode(PUB_X);
        std::copy(b.begin(), b.end(), k.begin());
        return k;
    }();
    auto build = [&](std::vector<int> depths) {
        TaprootBuilder b;
        for (int d : depths) b.add_leaf(d, Script(Bytes{0x51}));
        return b.finalize(ik).has_value();
    };
    EXPECT_TRUE(build({}));
    EXPECT_TRUE(build({0}));
    EXPECT_TRUE(build({1, 1}));
    EXPECT_TRUE(build({1, 2, 2}));
    EXPECT_TRUE(build({2, 2, 1}));
    EXPECT_TRUE(build({2, 3, 3, 1}));
    EXPECT_FALSE(build({1}));
    EXPECT_FALSE(build({0, 0}));
    EXPECT_FALSE(build({1, 1, 1}));
    EXPECT_FALSE(build({2, 1}));
    EXPECT_FALSE(build({2, 1, 2}));
    EXPECT_FALSE(build({129}));
}
