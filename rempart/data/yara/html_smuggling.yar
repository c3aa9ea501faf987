// HTML smuggling and credential-harvesting kits in HTML/SVG attachments.
// Written for Rempart from public descriptions of the techniques (MITRE ATT&CK T1027.006 HTML smuggling,
// T1566.001; Microsoft Threat Intelligence "HTML smuggling surges", 2021; phishing kits that post
// credentials to Telegram bots or PHP collectors).

rule rempart_html_smuggling_blob
{
    meta:
        description = "HTML that builds a file in the browser from embedded data and saves it"
        weight = "0.8"
    strings:
        $b1 = "new Blob(" nocase
        $b2 = "new File(" nocase
        $d1 = "atob(" nocase
        $d2 = "Uint8Array" nocase
        $d3 = "charCodeAt" nocase
        $s1 = "msSaveOrOpenBlob" nocase
        $s2 = "msSaveBlob" nocase
        $s3 = "createObjectURL" nocase
        $s4 = ".download" nocase
        $s5 = "download=" nocase
    condition:
        filesize < 30MB and any of ($b*) and any of ($d*) and any of ($s*)
}

rule rempart_credential_kit_telegram
{
    meta:
        description = "Page that sends what is typed in it to a Telegram bot (phishing-kit exfiltration)"
        weight = "0.8"
    strings:
        $t = "api.telegram.org/bot" nocase
        $p1 = "type=\"password\"" nocase
        $p2 = "type='password'" nocase
        $p3 = "type=password" nocase
        $p4 = "sendMessage" nocase
    condition:
        filesize < 10MB and $t and any of ($p*)
}

rule rempart_credential_kit_ajax_post
{
    meta:
        description = "Page that posts an e-mail address and password to a script with JavaScript"
        weight = "0.6"
    strings:
        $pw1 = "type=\"password\"" nocase
        $pw2 = "type='password'" nocase
        $pw3 = "type=password" nocase
        $a1 = "$.ajax(" nocase
        $a2 = "$.post(" nocase
        $a3 = "XMLHttpRequest" nocase
        $a4 = "fetch(" nocase
        $v1 = /(email|login|user)[a-z_]{0,10}\s*[:=]/ nocase
        $v2 = /(pass|pwd)[a-z_]{0,10}\s*[:=]/ nocase
        $dst = /https?:\/\/[^"' ]{4,200}\.php/ nocase
    condition:
        filesize < 10MB and any of ($pw*) and any of ($a*) and $v1 and $v2 and $dst
}

rule rempart_obfuscated_script_document_write
{
    meta:
        description = "Page whose content is written by decoding an encoded blob (unescape/atob + document.write/eval)"
        weight = "0.6"
    strings:
        $d1 = "unescape(" nocase
        $d2 = "atob(" nocase
        $d3 = "decodeURIComponent(" nocase
        $d4 = "String.fromCharCode" nocase
        $w1 = "document.write(" nocase
        $w2 = "eval(" nocase
        $w3 = ".innerHTML" nocase
        $blob1 = /[A-Za-z0-9+\/]{400,}={0,2}/
        $blob2 = /(%[0-9A-Fa-f]{2}){150,}/
        $blob3 = /(\\x[0-9A-Fa-f]{2}){150,}/
    condition:
        filesize < 10MB and any of ($d*) and any of ($w*) and any of ($blob*)
}
