/* SELECT, READ BINARY and UPDATE BINARY over the layout's file tree. */
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

static int find_child(const vcard *v, int parent, uint16_t fid, int kind_mask)
{
    for (size_t i = 0; i < v->node_count; i++) {
        const vc_node *n = &v->nodes[i];
        if (n->parent == parent && n->fid == fid && (kind_mask & (1 << n->kind))) {
            return (int)i;
        }
    }
    return -1;
}

#define ANY_KIND ((1 << VC_DF) | (1 << VC_ADF) | (1 << VC_EF))

/* ISO 7816-4 select by file identifier: the MF, a child of the current DF, the current DF, its
 * parent, or a child of its parent. */
static int select_fid(const vcard *v, uint16_t fid)
{
    int df = v->cur_df;
    int parent = v->nodes[df].parent;
    if (fid == 0x3F00) {
        return 0;
    }
    int i = find_child(v, df, fid, ANY_KIND);
    if (i >= 0) {
        return i;
    }
    if (v->nodes[df].fid == fid) {
        return df;
    }
    if (parent >= 0 && v->nodes[parent].fid == fid) {
        return parent;
    }
    return parent >= 0 ? find_child(v, parent, fid, ANY_KIND) : -1;
}

static int select_path(const vcard *v, int from, const uint8_t *path, size_t len)
{
    if (len == 0 || len % 2 != 0) {
        return -2;
    }
    int node = from;
    for (size_t i = 0; i < len && node >= 0; i += 2) {
        if (v->nodes[node].kind == VC_EF) {
            return -1;
        }
        node = find_child(v, node, (uint16_t)(path[i] << 8 | path[i + 1]), ANY_KIND);
    }
    return node;
}

static int select_aid(const vcard *v, const uint8_t *aid, size_t len)
{
    size_t aid_len;
    const uint8_t *ace = vc_ace_aid(&aid_len);
    for (size_t i = 0; i < v->node_count; i++) {
        if (v->nodes[i].kind == VC_ADF && len == aid_len && memcmp(aid, ace, len) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static void tlv(vc_answer *ans, uint8_t tag, const uint8_t *val, size_t len)
{
    ans->data[ans->len++] = tag;
    ans->data[ans->len++] = (uint8_t)len;
    memcpy(ans->data + ans->len, val, len);
    ans->len += len;
}

static void fci(const vcard *v, int node, uint8_t template_tag, vc_answer *ans)
{
    const vc_node *n = &v->nodes[node];
    ans->len = 2;
    if (n->kind == VC_ADF) {
        size_t aid_len;
        const uint8_t *aid = vc_ace_aid(&aid_len);
        tlv(ans, 0x84, aid, aid_len);
    } else {
        uint8_t fid[2] = {(uint8_t)(n->fid >> 8), (uint8_t)n->fid};
        tlv(ans, 0x83, fid, 2);
    }
    uint8_t descriptor = n->kind == VC_EF ? 0x01 : 0x38;
    tlv(ans, 0x82, &descriptor, 1);
    if (n->kind == VC_EF && v->profile->fci_has_size) {
        size_t size = v->content_len[n->role];
        uint8_t sz[2] = {(uint8_t)(size >> 8), (uint8_t)size};
        tlv(ans, 0x80, sz, 2);
    }
    ans->data[0] = template_tag;
    ans->data[1] = (uint8_t)(ans->len - 2);
}

uint16_t vc_cmd_select(vcard *v, const vc_apdu *a, vc_answer *ans)
{
    uint8_t p2 = a->p2 & 0x0C; /* the low bits choose the occurrence: only "first" exists */
    if ((a->p2 & 0xF3) != 0 || p2 == 0x08 || (p2 == 0x0C && v->profile->rejects_p2_0c)) {
        return SW_BAD_P1P2;
    }
    int node;
    switch (a->p1) {
    case 0x00:
        if (a->lc == 0) {
            node = 0;
        } else if (a->lc == 2) {
            node = select_fid(v, (uint16_t)(a->data[0] << 8 | a->data[1]));
        } else {
            return SW_WRONG_LENGTH;
        }
        break;
    case 0x01:
    case 0x02:
        if (a->lc != 2) {
            return SW_WRONG_LENGTH;
        }
        node = find_child(v, v->cur_df, (uint16_t)(a->data[0] << 8 | a->data[1]),
                          a->p1 == 0x01 ? (1 << VC_DF) : (1 << VC_EF));
        break;
    case 0x04:
        if (a->lc < 5 || a->lc > 16) {
            return SW_WRONG_LENGTH;
        }
        node = select_aid(v, a->data, a->lc);
        break;
    case 0x08:
    case 0x09:
        node = select_path(v, a->p1 == 0x08 ? 0 : v->cur_df, a->data, a->lc);
        if (node == -2) {
            return SW_WRONG_LENGTH;
        }
        break;
    default:
        return SW_BAD_P1P2;
    }
    if (node < 0) {
        return SW_NOT_FOUND;
    }
    if (v->nodes[node].kind == VC_EF) {
        v->cur_ef = node;
        v->cur_df = v->nodes[node].parent;
    } else {
        v->cur_ef = -1;
        v->cur_df = node;
    }
    if (p2 != 0x0C) {
        fci(v, node, p2 == 0x04 ? 0x62 : 0x6F, ans);
    }
    return SW_OK;
}

/* Faults that make a file read back malformed, for the clients' error paths. */
static void corrupt(const vcard *v, vc_role role, size_t off, uint8_t *out, size_t n)
{
    size_t at;
    uint8_t bad;
    if (role == VC_ROLE_CERT && v->fault == VCARD_FAULT_BAD_CERT) {
        at = 1, bad = 0x85; /* a 5-byte DER length: not valid in a certificate */
    } else if (role == VC_ROLE_PERSONAL && v->fault == VCARD_FAULT_BAD_PERSONAL) {
        at = 6, bad = 'Z'; /* the first field's length is no longer hex */
    } else if (role == VC_ROLE_SERIAL && v->fault == VCARD_FAULT_BAD_SERIAL) {
        at = 3, bad = 'X';
    } else {
        return;
    }
    if (at >= off && at < off + n) {
        out[at - off] = bad;
    }
}

uint16_t vc_cmd_read_binary(vcard *v, const vc_apdu *a, vc_answer *ans)
{
    if (a->p1 & 0x80) {
        return SW_BAD_P1P2; /* short EF identifiers: no TS-CNS file has one */
    }
    if (a->lc != 0 || !a->has_le) {
        return SW_WRONG_LENGTH;
    }
    if (v->cur_ef < 0) {
        return SW_NO_EF;
    }
    vc_role role = v->nodes[v->cur_ef].role;
    size_t size = v->content_len[role];
    size_t off = (size_t)(a->p1 & 0x7F) << 8 | a->p2;
    if (off >= size) {
        return SW_OFFSET;
    }
    size_t n = size - off < a->le ? size - off : a->le;
    memcpy(ans->data, v->content[role] + off, n);
    corrupt(v, role, off, ans->data, n);
    ans->len = n;
    return n < a->le ? SW_EOF : SW_OK;
}

uint16_t vc_cmd_update_binary(vcard *v, const vc_apdu *a, vc_answer *ans)
{
    (void)ans;
    if (a->p1 & 0x80) {
        return SW_BAD_P1P2;
    }
    if (a->lc == 0) {
        return SW_WRONG_LENGTH;
    }
    if (v->cur_ef < 0) {
        return SW_NO_EF;
    }
    vc_role role = v->nodes[v->cur_ef].role;
    /* Only the certificate can be rewritten (extend); serial and personal data never. */
    if (role != VC_ROLE_CERT || (v->profile->cert_update_needs_puk && !v->puk_ok)) {
        return SW_SECURITY;
    }
    size_t size = v->content_len[role];
    size_t off = (size_t)(a->p1 & 0x7F) << 8 | a->p2;
    if (off >= size) {
        return SW_OFFSET;
    }
    if (a->lc > size - off) {
        return SW_NO_SPACE;
    }
    uint8_t *next = malloc(size);
    if (!next) {
        return SW_MEMORY;
    }
    memcpy(next, v->content[role], size);
    memcpy(next + off, a->data, a->lc);
    if (vc_atomic_write(v->dir, vc_role_file(role), next, size) != 0) {
        free(next);
        return SW_MEMORY;
    }
    free(v->content[role]);
    v->content[role] = next;
    return SW_OK;
}
