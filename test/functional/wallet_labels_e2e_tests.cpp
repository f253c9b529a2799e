// Labels end to end: getnewaddress and send labels, setlabel, listlabels, labels in
// history and listunspent, BIP329 export and import into a restored wallet (every record
// type; unknown types and fields kept; "spendable": false locks the coin), and a
// malformed label file refused with the line named and the wallet file unchanged.
#include "test/functional/wallet_e2e_util.h"

using namespace minicash;
using namespace minicash::test::wallet_e2e;
using test::ProgramResult;
using test::read_text;

TEST_F(WalletE2E, LabelsShownExportedAndImported) {
    auto funder = funded_wallet("funder");
    auto a = make_wallet("a");
    const std::string rent = a->ok({"getnewaddress", "-label=rent"}).at("address").as_string().c_str();
    json::value paid = funder->ok({"send", rent, "2", "-feerate=2"});
    ASSERT_TRUE(paid.is_object());
    const std::string pay_txid(paid.at("txid").as_string());
    node_->mine(1, burn_address());
    json::value coins = a->ok({"listunspent"});
    ASSERT_EQ(coins.as_array().size(), 1u);
    EXPECT_EQ(coins.as_array()[0].at("label"), json::value("rent"));
    EXPECT_EQ(a->ok({"listunspent", "-label=rent", "-nosync"}).as_array().size(), 1u);
    EXPECT_EQ(a->ok({"listunspent", "-label=food", "-nosync"}).as_array().size(), 0u);
    json::value history = a->ok({"history", "-nosync"});
    EXPECT_EQ(history.as_array()[0].at("label"), json::value("rent"));

    json::value sent = a->ok({"send", burn_address(), "0.5", "-label=coffee", "-feerate=2"});
    const std::string coffee(sent.at("txid").as_string());
    const std::string coin = pay_txid + ":" + std::to_string(coins.as_array()[0].at("vout").to_number<int64_t>());
    EXPECT_TRUE(a->ok({"setlabel", coin, "from the landlord", "-nosync"}).is_object());
    EXPECT_TRUE(a->ok({"setlabel", pay_txid, "deposit back", "-nosync"}).is_object());
    ProgramResult r = a->run({"setlabel", "bcrt1qnot-an-address", "x", "-nosync"}, false);
    EXPECT_EQ(r.exit_code, 6);
    json::value labels = a->ok({"listlabels", "-nosync"});
    std::set<std::string> types;
    for (const json::value& l : labels.as_array()) types.insert(std::string(l.at("type").as_string()));
    EXPECT_EQ(types, (std::set<std::string>{"addr", "output", "tx"}));
    history = a->ok({"history", "-nosync"});
    bool saw_coffee = false;
    for (const json::value& h : history.as_array())
        saw_coffee = saw_coffee || (h.at("txid").as_string() == coffee && h.as_object().contains("label") &&
                                    h.at("label") == json::value("coffee"));
    EXPECT_TRUE(saw_coffee);
    node_->mine(1, burn_address());

    // Export, with records of every BIP329 type and unknown ones added by another wallet.
    const fs::path file = dir_ / "labels.jsonl";
    ASSERT_TRUE(a->ok({"labels", "export", file.string(), "-nosync"}).is_object());
    std::string text = read_text(file);
    EXPECT_NE(text.find("\"type\":\"tx\""), std::string::npos);
    EXPECT_NE(text.find("\"type\":\"addr\""), std::string::npos);
    EXPECT_NE(text.find("\"type\":\"output\""), std::string::npos);
    const json::value mine = a->ok({"listunspent"});
    const std::string change = std::string(mine.as_array()[0].at("txid").as_string()) + ":" +
                               std::to_string(mine.as_array()[0].at("vout").to_number<int64_t>());
    text += "{\"type\":\"input\",\"ref\":\"" + coin + "\",\"label\":\"spent for coffee\"}\n";
    text +=
        "{\"type\":\"pubkey\",\"ref\":\"0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798\","
        "\"label\":\"G\"}\n";
    text +=
        "{\"type\":\"xpub\",\"ref\":\"tpubD6NzVbkrYhZ4WaWSyoBvQwbpLkojyoTZPRsgXELWz3Popb3qkjcJyJUGLnL4qHHoQvao8ESaA"
        "stX3ky8uVVWr4ghuE3PeSKRZ7hsJ3YStk\",\"label\":\"cold\"}\n";
    text += "{\"type\":\"output\",\"ref\":\"" + change + "\",\"label\":\"do not touch\",\"spendable\":false}\n";
    text += "{\"type\":\"future\",\"ref\":\"x\",\"label\":\"kept\",\"extra\":[1,2]}\n";
    text +=
        "{\"type\":\"tx\",\"ref\":\"" + coffee + "\",\"label\":\"coffee\",\"origin\":\"wpkh([d34db33f/84'/1'/0'])\"}\n";
    const fs::path edited = dir_ / "edited.jsonl";
    write_text(edited, text);

    // A restored copy takes them all.
    const fs::path words = dir_ / "a.words";
    write_text(words, mnemonic_.at("a") + "\n");
    Wallet restored(*node_, dir_, "restored");
    ASSERT_FALSE(restored.ok({"restore", "-mnemonicfile=" + words.string(), "-birthday=0"}).is_null());
    json::value imported = restored.ok({"labels", "import", edited.string()});
    ASSERT_TRUE(imported.is_object());
    EXPECT_EQ(imported.at("locked").to_number<int64_t>(), 1);
    json::value restored_coins = restored.ok({"listunspent"});
    EXPECT_EQ(restored_coins.as_array().size(), 0u);  // the only coin is locked now
    EXPECT_EQ(restored.ok({"listlockunspent", "-nosync"}).as_array().size(), 1u);
    const std::string again = restored.run({"labels", "export", "-nosync"}, false).out;
    EXPECT_NE(again.find("\"type\":\"future\""), std::string::npos);
    EXPECT_NE(again.find("\"extra\":[1,2]"), std::string::npos);
    EXPECT_NE(again.find("\"origin\":\"wpkh([d34db33f/84'/1'/0'])\""), std::string::npos);
    EXPECT_NE(again.find("\"type\":\"xpub\""), std::string::npos);
    EXPECT_NE(again.find("spent for coffee"), std::string::npos);
    history = restored.ok({"history", "-nosync"});
    bool labelled = false;
    for (const json::value& h : history.as_array())
        labelled = labelled || (h.at("txid").as_string() == coffee && h.as_object().contains("label") &&
                                h.at("label") == json::value("coffee"));
    EXPECT_TRUE(labelled);

    // Malformed files: the line is named, nothing is taken, the file is unchanged.
    const std::string before = read_text(restored.path());
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"{\"type\":\"tx\",\"ref\":\"" + coffee + "\",\"label\":\"ok\"}\nnot json\n", "line 2: not valid JSON"},
        {"[1,2]\n", "line 1: not a JSON object"},
        {"{\"ref\":\"x\"}\n", "line 1: \"type\" is missing"},
        {"{\"type\":\"tx\",\"ref\":\"12\"}\n", "line 1: a tx record's ref must be a txid"},
        {"\n{\"type\":\"addr\",\"ref\":\"x\",\"label\":5}\n", "line 2: \"label\" must be a string"},
        {"{\"type\":\"output\",\"ref\":\"" + change + "\",\"spendable\":\"no\"}\n",
         "line 1: \"spendable\" must be true or false"},
    };
    for (const auto& [content, message] : bad) {
        const fs::path f = dir_ / "bad.jsonl";
        write_text(f, content);
        r = restored.run({"labels", "import", f.string(), "-nosync"}, false);
        EXPECT_EQ(r.exit_code, 8) << content;
        EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("nothing was imported"), std::string::npos) << r.err;
        EXPECT_EQ(read_text(restored.path()), before);
    }
}
