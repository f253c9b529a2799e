// Where a wallet's descriptors come from, and the signing keys they give.
//
// A new or restored HD wallet gets, for its BIP39 seed's master key m and coin type c
// (0 on mainnet, 1 on the test networks), receive (/0/*) and change (/1/*) descriptors
//   pkh(m/44'/c'/0')  sh(wpkh(m/49'/c'/0'))  wpkh(m/84'/c'/0')  tr(m/86'/c'/0')
// with the account xprv and its key origin, so exported public descriptors carry the
// origins a PSBT signer needs. getnewaddress defaults to wpkh (BIP84).
// A watch-only wallet is made from a public descriptor or an account-level xpub.
//
// The seed also gives the keys the wallet signs with for policies it does not watch
// itself: multisig accounts m/48'/c'/0'/2' (P2WSH), m/48'/c'/0'/1' (P2SH-P2WSH) (BIP48)
// and m/87'/c'/0' (taproot multi_a, BIP87), whose public keys are shared with
// cosigners (cosigner_key); and the silent payment keys (BIP352).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/descriptor.h"
#include "common/psbt.h"
#include "common/signer.h"
#include "consensus/params.h"
#include "wallet/wallet_state.h"

namespace minicash::wallet {

struct DescriptorSpec {
    Descriptor desc;
    bool internal = false;
    std::optional<AddressType> type;
};

// The eight descriptors of an HD wallet for a 16..64-byte seed. nullopt only when the
// seed is unusable (probability ~2^-127).
[[nodiscard]] std::optional<std::vector<DescriptorSpec>> descriptors_from_seed(ByteView seed, const ChainParams& params,
                                                                               std::string* error);

// The multisig signing accounts and the silent payment keys of a seed.
struct SeedKeys {
    std::vector<SigningAccount> accounts;
    std::optional<SilentPaymentAccount> silent_payments;
};
SeedKeys keys_from_seed(ByteView seed, const ChainParams& params);

// The multisig account path for scripts of `type`: bech32 (P2WSH) m/48'/c'/0'/2',
// p2sh-segwit (P2SH-P2WSH) m/48'/c'/0'/1', bech32m (taproot) m/87'/c'/0'. nullopt for legacy.
std::optional<std::vector<uint32_t>> multisig_account_path(AddressType type, Network network);

// The key a cosigner shares for a multisig of `type`: "[fingerprint/path]xpub" of this
// wallet's account. nullopt with `*error` when the wallet has no such account.
std::optional<std::string> cosigner_key(const WalletState& state, AddressType type, std::string* error);

// The descriptor text of an M-of-N multisig over `keys` (cosigner keys as cosigner_key
// gives them; "/<0;1>/*" is appended to those without a derivation of their own):
// wsh(sortedmulti(M,...)) for bech32, sh(wsh(sortedmulti(...))) for p2sh-segwit,
// tr(H,sortedmulti_a(M,...)) with BIP341's NUMS point H for bech32m (no key path).
std::optional<std::string> multisig_descriptor(int m, const std::vector<std::string>& keys, AddressType type,
                                               std::string* error);

// Watch-only descriptors from `text`: a public descriptor (a multipath <0;1> one gives
// receive and change; a single ranged one is used for both), or an account-level
// extended public key (xpub/tpub -> wpkh, zpub/vpub -> wpkh, ypub/upub -> sh(wpkh)),
// whose /0/* and /1/* chains become receive and change. Private keys are refused.
[[nodiscard]] std::optional<std::vector<DescriptorSpec>> descriptors_from_watch(std::string_view text,
                                                                                const ChainParams& params,
                                                                                std::string* error);

// A new wallet's state on `network` holding `specs`, scanning from block `birthday`.
// nullopt with `error` when a descriptor cannot be added.
[[nodiscard]] std::optional<WalletState> new_wallet_state(Network network, int birthday,
                                                          const std::vector<DescriptorSpec>& specs, bool watch_only,
                                                          std::string* error);

// import-descriptor: adds `desc` to the wallet (a multipath <0;1> descriptor as receive
// and change, else as change when `internal`). A ranged one becomes the active
// descriptor of its address type only when that type has none yet. The wallet then
// rescans from its birthday (its block hashes are forgotten). Returns how many
// descriptors were added; nullopt with `error` when it cannot be (a private descriptor
// in a watch-only wallet, more than two paths, a duplicate).
[[nodiscard]] std::optional<size_t> import_descriptor(WalletState& state, const Descriptor& desc, bool internal,
                                                      std::string* error);

// The address type a descriptor's scripts have (nullopt for other script kinds).
std::optional<AddressType> infer_address_type(const Descriptor& desc);

// Adds the keys (and scripts, taproot data) for the wallet's own outputs spent by
// `spent` to `keys`. Watch-only descriptors add only their Miniscript expressions (for
// the finalizer).
void add_keys_for_scripts(const WalletState& state, const std::vector<Script>& spent, KeyStore& keys);

// Adds keys for the inputs of `psbt`: inputs whose UTXO pays a wallet script, and
// BIP32 / taproot derivations whose origin matches one of the wallet's private
// descriptors (so an offline wallet signs indices it never derived itself) or one of
// its signing accounts (multisig cosigning).
void add_keys_for_psbt(const WalletState& state, const Psbt& psbt, KeyStore& keys);

// The master key fingerprints the wallet signs for (of its private descriptors and
// signing accounts).
std::set<Fingerprint> wallet_fingerprints(const WalletState& state);

// Derivations in `psbt` that name one of the wallet's fingerprints but whose path gives
// another public key than the one listed (a PSBT made for another wallet with the same
// fingerprint, or a wrong path): one message per such derivation.
std::vector<std::string> psbt_origin_mismatches(const WalletState& state, const Psbt& psbt);

// Fills in what a signer needs that the wallet knows for its own inputs and outputs:
// UTXOs (witness and, for non-taproot inputs, non-witness), BIP32 derivations, taproot
// internal keys and derivations, redeem and witness scripts.
void update_psbt(const WalletState& state, Psbt& psbt);

}  // namespace minicash::wallet
